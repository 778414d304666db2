// The CUDA part of the transfer engine: a byte-sum kernel. Built only for the CUDA variants.
#include <cuda_runtime.h>

__global__ void byte_sum(const unsigned char *data, long long n, unsigned long long *out) {
    long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (i < n) atomicAdd(out, (unsigned long long)data[i]);
}

extern "C" int mooncake_cuda_runtime_version(void) {
    int version = 0;
    cudaRuntimeGetVersion(&version);
    return version;
}

extern "C" int mooncake_cuda_checksum(const unsigned char *data, long long n,
                                      unsigned long long *out) {
    unsigned char *d_data = nullptr;
    unsigned long long *d_out = nullptr;
    cudaError_t err = cudaMalloc(&d_data, n > 0 ? n : 1);
    if (err != cudaSuccess) return (int)err;
    cudaMalloc(&d_out, sizeof(*d_out));
    cudaMemcpy(d_data, data, n, cudaMemcpyHostToDevice);
    cudaMemset(d_out, 0, sizeof(*d_out));
    int threads = 256;
    long long blocks = (n + threads - 1) / threads;
    if (blocks > 0) byte_sum<<<(unsigned)blocks, threads>>>(d_data, n, d_out);
    err = cudaMemcpy(out, d_out, sizeof(*out), cudaMemcpyDeviceToHost);
    cudaFree(d_data);
    cudaFree(d_out);
    return err == cudaSuccess ? 0 : (int)err;
}
