"""Small, valid wheels and sdists written directly (no build backend: milliseconds each)."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import zipfile
from pathlib import Path

from packaging.utils import canonicalize_name


def _metadata(name: str, version: str, requires: tuple[str, ...] = ()) -> str:
    needs = "".join(f"Requires-Dist: {r}\n" for r in requires)
    return (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: test package\n{needs}\n"
    )


def make_wheel(
    out: Path,
    name: str,
    version: str,
    tag: str = "py3-none-any",
    *,
    module: str | None = None,
    payload: str = "",
    binaries: dict[str, bytes] | None = None,
    requires: tuple[str, ...] = (),
) -> Path:
    """Write ``{name}-{version}-{tag}.whl`` into ``out`` with a module that imports (and
    ``binaries``, e.g. shared objects, at the paths given)."""
    out.mkdir(parents=True, exist_ok=True)
    stem = canonicalize_name(name).replace("-", "_")
    module = module or stem
    dist_info = f"{stem}-{version}.dist-info"
    files: dict[str, str | bytes] = {
        f"{module}/__init__.py": f"__version__ = {version!r}\n{payload}",
        f"{dist_info}/METADATA": _metadata(name, version, requires),
        f"{dist_info}/WHEEL": (
            f"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: {tag}\n"
        ),
    }
    files.update(binaries or {})
    record_lines = []
    for path, text in files.items():
        data = text.encode() if isinstance(text, str) else text
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        record_lines.append(f"{path},sha256={digest.decode()},{len(data)}")
    record_lines.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = "\n".join(record_lines) + "\n"
    target = out / f"{stem}-{version}-{tag}.whl"
    with zipfile.ZipFile(target, "w") as zf:
        for path, text in files.items():
            zf.writestr(zipfile.ZipInfo(path, date_time=(2026, 1, 1, 0, 0, 0)), text)
    return target


def make_sdist(out: Path, name: str, version: str) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    stem = canonicalize_name(name).replace("-", "_")
    base = f"{stem}-{version}"
    target = out / f"{base}.tar.gz"
    with tarfile.open(target, "w:gz") as tf:
        for rel, text in {
            "PKG-INFO": _metadata(name, version),
            "pyproject.toml": f'[project]\nname = "{name}"\nversion = "{version}"\n',
        }.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{base}/{rel}")
            info.size = len(data)
            info.mtime = 1_767_225_600
            tf.addfile(info, io.BytesIO(data))
    return target


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
