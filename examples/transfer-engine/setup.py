"""Build the C extension; with WITH_CUDA=1 also compile csrc/kernel.cu with nvcc and link the
shared CUDA runtime. Like a torch-ecosystem CUDA wheel, the wheel needs `libcudart.so.<major>`
and does not carry it: wheeltrain's repair excludes it, and the runtime comes from the system
(or from torch's own CUDA wheels). (The static runtime would pull in glibc 2.34 symbols on a
new build machine; the shared one keeps the wheel within manylinux_2_28.)"""

import os
import shutil
import subprocess
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

WITH_CUDA = os.environ.get("WITH_CUDA") == "1"
# Only for the test that proves `wheeltrain check` stops it: a CPU-only build linking CUDA.
LINK_CUDART_SHARED = os.environ.get("LINK_CUDART_SHARED") == "1"


def cuda_home() -> Path:
    if os.environ.get("CUDA_HOME"):
        return Path(os.environ["CUDA_HOME"])
    nvcc = shutil.which(os.environ.get("NVCC", "nvcc"))
    if nvcc:
        real = Path(nvcc).resolve()
        if real.parent.name == "bin" and (real.parent.parent / "lib64").is_dir():
            return real.parent.parent
    return Path("/usr/local/cuda")


class BuildExt(build_ext):
    def build_extensions(self) -> None:
        home = cuda_home()
        for ext in self.extensions:
            if WITH_CUDA:
                obj = Path(self.build_temp) / "kernel.o"
                obj.parent.mkdir(parents=True, exist_ok=True)
                nvcc = os.environ.get("NVCC", "nvcc")
                subprocess.check_call(
                    [nvcc, "-c", "csrc/kernel.cu", "-o", str(obj), "-O2", "-Xcompiler", "-fPIC"]
                )
                ext.extra_objects.append(str(obj))
                ext.define_macros.append(("WITH_CUDA", "1"))
                ext.library_dirs.append(str(home / "lib64"))
                ext.runtime_library_dirs.append(str(home / "lib64"))
                ext.libraries += ["cudart", "stdc++"]
            elif LINK_CUDART_SHARED:
                ext.define_macros.append(("LINK_CUDART_SHARED", "1"))
                ext.library_dirs.append(str(home / "lib64"))
                ext.runtime_library_dirs.append(str(home / "lib64"))
                ext.libraries.append("cudart")
        super().build_extensions()


setup(
    ext_modules=[Extension("mooncake._engine", ["csrc/engine.c"])],
    cmdclass={"build_ext": BuildExt},
)
