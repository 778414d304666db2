/* The transfer engine's native core: a checksum over a buffer, and which backend was built. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#ifdef WITH_CUDA
/* csrc/kernel.cu, compiled by nvcc: launches a kernel when a GPU is present. */
extern int mooncake_cuda_runtime_version(void);
extern int mooncake_cuda_checksum(const unsigned char *data, Py_ssize_t n, unsigned long long *out);
#endif

#ifdef LINK_CUDART_SHARED
/* A deliberately broken CPU-only build: it calls into the shared CUDA runtime. */
extern int cudaRuntimeGetVersion(int *version);
#endif

static unsigned long long cpu_checksum(const unsigned char *data, Py_ssize_t n) {
    unsigned long long sum = 0;
    for (Py_ssize_t i = 0; i < n; i++) sum = sum * 31u + data[i];
    return sum;
}

static PyObject *checksum(PyObject *self, PyObject *args) {
    Py_buffer view;
    if (!PyArg_ParseTuple(args, "y*", &view)) return NULL;
    unsigned long long sum = cpu_checksum((const unsigned char *)view.buf, view.len);
    PyBuffer_Release(&view);
    return PyLong_FromUnsignedLongLong(sum);
}

static PyObject *backend(PyObject *self, PyObject *noargs) {
#ifdef WITH_CUDA
    return PyUnicode_FromFormat("cuda (runtime %d)", mooncake_cuda_runtime_version());
#elif defined(LINK_CUDART_SHARED)
    int version = 0;
    cudaRuntimeGetVersion(&version);
    return PyUnicode_FromFormat("cpu (linked cudart %d)", version);
#else
    return PyUnicode_FromString("cpu");
#endif
}

static PyObject *gpu_checksum(PyObject *self, PyObject *args) {
#ifdef WITH_CUDA
    Py_buffer view;
    unsigned long long sum = 0;
    if (!PyArg_ParseTuple(args, "y*", &view)) return NULL;
    int err = mooncake_cuda_checksum((const unsigned char *)view.buf, view.len, &sum);
    PyBuffer_Release(&view);
    if (err) {
        PyErr_Format(PyExc_RuntimeError, "CUDA error %d (is a GPU present?)", err);
        return NULL;
    }
    return PyLong_FromUnsignedLongLong(sum);
#else
    PyErr_SetString(PyExc_RuntimeError, "this build has no CUDA backend");
    return NULL;
#endif
}

static PyMethodDef methods[] = {
    {"checksum", checksum, METH_VARARGS, "Checksum of a bytes-like object, on the CPU."},
    {"backend", backend, METH_NOARGS, "The backend this build was compiled for."},
    {"gpu_checksum", gpu_checksum, METH_VARARGS, "Byte sum of a buffer, on the GPU."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_engine", NULL, -1, methods};

PyMODINIT_FUNC PyInit__engine(void) { return PyModule_Create(&module); }
