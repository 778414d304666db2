"""``wheeltrain check``: every built file against the plan, before anything is published.

It reports every problem it finds, not the first: files missing or unexpected; a wheel whose
distribution name, version or tags disagree with the plan or with its own metadata; a local
version; a platform tag newer than the variant allows (or none: an unrepaired ``linux_*``
wheel); a shared object that needs a library the variant forbids (``DT_NEEDED`` of every ELF
file, and the libraries auditwheel bundled); and what ``twine check --strict`` says.
"""

from __future__ import annotations

import fnmatch
import io
import re
import struct
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.parser import HeaderParser
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import Version

from wheeltrain.adapters.proc import last_line, run
from wheeltrain.core.config import TrainConfig, Variant, platform_version, split_platform
from wheeltrain.core.filenames import InvalidFilename, parse_filename
from wheeltrain.core.matrix import ExpectedFile

__all__ = ["CheckReport", "check_files", "elf_needed"]

_BUNDLED_HASH = re.compile(r"-[0-9a-f]{8}(?=\.so)")


@dataclass
class CheckReport:
    files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # what the checks saw beside the problems (the GPU architectures of a CUDA wheel)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "files": self.files, "problems": self.problems, "notes": self.notes}


def elf_needed(data: bytes) -> list[str]:
    """The ``DT_NEEDED`` entries of an ELF file (empty when it is not a dynamic ELF)."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.dynamic import DynamicSection
    from elftools.elf.elffile import ELFFile

    if not data.startswith(b"\x7fELF"):
        return []
    try:
        elf = ELFFile(io.BytesIO(data))
        needed: list[str] = []
        for section in elf.iter_sections():
            if isinstance(section, DynamicSection):
                needed += [
                    t.needed  # type: ignore[attr-defined]  # set by pyelftools for DT_NEEDED
                    for t in section.iter_tags()
                    if t.entry.d_tag == "DT_NEEDED"
                ]
        return needed
    except (ELFError, ValueError, KeyError, IndexError, AttributeError, struct.error) as exc:
        # fail closed: a file that claims to be ELF and cannot be read is not vouched for
        raise UnreadableELF(f"{type(exc).__name__}: {exc}") from None


class UnreadableELF(ValueError):
    """An ELF file whose dynamic section cannot be read: ``check`` refuses to vouch for it."""


def _forbidden(name: str, patterns: Sequence[str]) -> str | None:
    plain = _BUNDLED_HASH.sub("", name)  # libcudart-1a2b3c4d.so.13 -> libcudart.so.13
    for pattern in patterns:
        if fnmatch.fnmatch(name, pattern) or fnmatch.fnmatch(plain, pattern):
            return pattern
    return None


def _check_wheel(
    path: Path, variant: Variant, version: str, report: CheckReport
) -> tuple[str, str] | None:
    """Check one wheel; returns its (python, arch) when its tags make sense."""
    name = path.name
    problems = report.problems
    try:
        parsed = parse_filename(name)
    except InvalidFilename as exc:
        problems.append(f"{name}: not a valid wheel file name ({exc})")
        return None
    dist, file_version, tags = parsed.distribution, parsed.version, parsed.tags
    if file_version.local is not None:
        problems.append(f"{name}: local version {file_version} (PyPI rejects local versions)")
    if file_version != Version(version):
        problems.append(f"{name}: version {file_version}, the release is {version}")
    interpreters = {t.interpreter for t in tags}
    abis = {t.abi for t in tags}
    platforms = {t.platform for t in tags}
    python: str | None
    arch: str | None
    if variant.kind == "pure":
        python, arch = parsed.python, parsed.arch
        if python != "py3" or arch != "any":
            problems.append(
                f"{name}: tags {list(parsed.tag_names)} are not a pure wheel's py3-none-any "
                f"(the {variant.name} variant is pure)"
            )
            python = arch = None
    else:
        python, arch = _binary_tags(name, variant, interpreters, abis, platforms, problems)
    try:
        with zipfile.ZipFile(path) as zf:
            _check_wheel_contents(zf, name, dist, file_version, tags, variant, problems)
    except (zipfile.BadZipFile, OSError) as exc:
        problems.append(f"{name}: cannot be read as a zip file ({exc})")
    return (python, arch) if python and arch else None


def _binary_tags(
    name: str,
    variant: Variant,
    interpreters: set[str],
    abis: set[str],
    platforms: set[str],
    problems: list[str],
) -> tuple[str | None, str | None]:
    """(python, arch) of a CPython wheel: one ABI (``cp312-cp312``, or ``cp310-abi3`` for an
    abi3 variant) and manylinux platform tags no newer than the variant allows."""
    python = arch = None
    wanted_abis = {"abi3"} if variant.kind == "abi3" else interpreters
    if (
        len(interpreters) != 1
        or abis != wanted_abis
        or not next(iter(interpreters)).startswith("cp")
    ):
        what = "one CPython's abi3" if variant.kind == "abi3" else "one CPython ABI"
        problems.append(f"{name}: tags {sorted(interpreters)}/{sorted(abis)} are not {what}")
    else:
        tag = next(iter(interpreters))[2:]
        python = f"{tag[0]}.{tag[1:]}"
    split = {plat: split_platform(plat) for plat in platforms}
    archs = {arch for _, arch in split.values()}
    if len(archs) != 1:
        problems.append(f"{name}: platform tags for several architectures: {sorted(platforms)}")
    else:
        arch = archs.pop()
    allowed = platform_version(variant.max_platform)
    for plat in sorted(platforms):
        glibc = platform_version(split[plat][0])
        if glibc is None:
            problems.append(
                f"{name}: platform tag {plat} is not manylinux (repair the wheel with auditwheel)"
            )
        elif allowed is not None and glibc > allowed:
            problems.append(
                f"{name}: platform tag {plat} is newer than {variant.max_platform}, the newest "
                f"the {variant.name} variant allows (build in an older image)"
            )
    return python, arch


def cuobjdump() -> str | None:
    """cuobjdump from ``$WHEELTRAIN_CUOBJDUMP``, PATH or the CUDA toolkit, or None."""
    import os
    import shutil

    for candidate in (
        os.environ.get("WHEELTRAIN_CUOBJDUMP"),
        shutil.which("cuobjdump"),
        "/usr/local/cuda/bin/cuobjdump",
    ):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


_SM = re.compile(r"\.sm_(\d+)([af]?)\.(?:cubin|ptx)\b")


def gpu_arch(sm: str, suffix: str = "") -> str:
    """``80`` -> ``8.0``; ``103`` -> ``10.3``; ``90`` + ``a`` -> ``9.0a``."""
    return f"{sm[:-1]}.{sm[-1]}{suffix}"


def _check_gpu_archs(path: Path, variant: Variant, report: CheckReport, tool: str) -> None:
    """The GPU architectures a CUDA wheel's device code is built for (cuobjdump's lists of
    cubins and PTX), against the variant's ``cuda-archs``: a declared one missing is a problem;
    a wheel without device code is said, not refused."""
    import tempfile

    found: set[str] = set()
    with zipfile.ZipFile(path) as zf, tempfile.TemporaryDirectory() as tmp:
        for member in zf.namelist():
            if member.endswith("/"):
                continue
            with zf.open(member) as fh:
                if fh.read(4) != b"\x7fELF":
                    continue
            target = Path(tmp) / "elf"
            target.write_bytes(zf.read(member))
            for listing in ("--list-elf", "--list-ptx"):
                proc = run([tool, listing, str(target)], check=False, timeout=120)
                found |= {gpu_arch(m[1], m[2]) for m in _SM.finditer(proc.stdout)}
    declared = set(variant.cuda_archs)
    key = lambda a: tuple(int(x) for x in re.findall(r"\d+", a))  # noqa: E731
    if not found:
        report.notes.append(f"{path.name}: no GPU device code (cuobjdump found no cubin or PTX)")
        return
    report.notes.append(
        f"{path.name}: GPU architectures {', '.join(sorted(found, key=key))} "
        f"(declared: {', '.join(sorted(declared, key=key)) or 'none'})"
    )
    missing = sorted(declared - {a.rstrip("af") for a in found} - found, key=key)
    if missing:
        report.problems.append(
            f"{path.name}: no device code for GPU architecture {', '.join(missing)}, which the "
            f"{variant.name} variant declares (cuda-archs)"
        )


def _check_wheel_contents(
    zf: zipfile.ZipFile,
    name: str,
    dist: str,
    version: Version,
    tags: frozenset[object],
    variant: Variant,
    problems: list[str],
) -> None:
    members = zf.namelist()
    metadata = [m for m in members if m.endswith(".dist-info/METADATA") and m.count("/") == 1]
    if len(metadata) != 1:
        problems.append(f"{name}: has {len(metadata)} .dist-info/METADATA files")
    else:
        headers = HeaderParser().parsestr(zf.read(metadata[0]).decode("utf-8", "replace"))
        meta_name, meta_version = headers.get("Name", ""), headers.get("Version", "")
        if canonicalize_name(meta_name) != canonicalize_name(variant.distribution):
            problems.append(
                f"{name}: METADATA names {meta_name!r}, the {variant.name} variant is "
                f"{variant.distribution!r}"
            )
        if canonicalize_name(meta_name) != dist:
            problems.append(f"{name}: METADATA names {meta_name!r}, the file name {dist!r}")
        try:
            if Version(meta_version) != version:
                problems.append(
                    f"{name}: METADATA says version {meta_version}, the file name {version}"
                )
        except ValueError:
            problems.append(f"{name}: METADATA has no valid Version")
        wheel_files = [m for m in members if m.endswith(".dist-info/WHEEL") and m.count("/") == 1]
        if wheel_files:
            text = zf.read(wheel_files[0]).decode("utf-8", "replace")
            declared = {
                line.split(":", 1)[1].strip()
                for line in text.splitlines()
                if line.startswith("Tag:")
            }
            in_name = {str(t) for t in tags}
            if declared != in_name:
                problems.append(
                    f"{name}: WHEEL declares tags {sorted(declared)}, the file name "
                    f"{sorted(in_name)}"
                )
    _check_libraries(zf, name, members, variant, problems)


def _check_libraries(
    zf: zipfile.ZipFile, name: str, members: list[str], variant: Variant, problems: list[str]
) -> None:
    """Forbidden, bundled and required shared libraries, read from every ELF file's
    ``DT_NEEDED`` (pyelftools); an ELF file that cannot be read is a problem of its own."""
    patterns = variant.forbid_libraries
    never_bundled = variant.never_bundled
    needed_all: set[str] = set()
    for member in members:
        if member.endswith("/"):
            continue
        base = member.rsplit("/", 1)[-1]
        if ".libs/" in member:
            if hit := _forbidden(base, patterns):
                problems.append(f"{name}: bundles {member}, which matches forbidden {hit!r}")
            elif hit := _forbidden(base, never_bundled):
                problems.append(
                    f"{name}: bundles {member} ({hit!r}), which a {variant.name} wheel must "
                    "not carry: exclude it from the repair"
                )
        with zf.open(member) as fh:
            if fh.read(4) != b"\x7fELF":
                continue
        if variant.kind == "pure":
            problems.append(
                f"{name}: {member} is compiled code, but the {variant.name} variant is pure"
            )
            continue
        try:
            needed = elf_needed(zf.read(member))
        except UnreadableELF as exc:
            problems.append(f"{name}: {member} is an ELF file that cannot be read ({exc})")
            continue
        for lib in needed:
            needed_all.add(_BUNDLED_HASH.sub("", lib))
            if hit := _forbidden(lib, patterns):
                problems.append(
                    f"{name}: {member} needs {lib}, which the {variant.name} variant forbids "
                    f"({hit!r})"
                )
            if variant.cuda is not None:
                major = variant.cuda.split(".")[0]
                other = re.match(r"^libcudart(?:-[0-9a-f]{8})?\.so\.(\d+)", lib)
                if other and other[1] != major:
                    problems.append(
                        f"{name}: {member} needs {lib}, a CUDA {other[1]} library in the "
                        f"CUDA {variant.cuda} variant {variant.name}"
                    )
    for required in variant.required_libraries:
        if not any(fnmatch.fnmatch(lib, required) for lib in needed_all):
            problems.append(
                f"{name}: no file needs {required}, which the {variant.name} variant requires"
                + (f" (a CUDA {variant.cuda} build)" if variant.cuda else "")
            )


def check_files(
    files: Sequence[Path],
    config: TrainConfig,
    expected: Sequence[ExpectedFile],
    version: str,
    *,
    twine: bool = True,
) -> CheckReport:
    report = CheckReport(files=[str(f) for f in files])
    by_dist: dict[str, Variant] = {canonicalize_name(v.distribution): v for v in config.variants}
    wanted = {f.key: f for f in expected}
    seen: dict[tuple[str, str, str | None, str | None], str] = {}
    for path in files:
        name = path.name
        _check_size(path, by_dist, report)
        if name.endswith(".whl"):
            try:
                dist = parse_filename(name).distribution
            except InvalidFilename:
                report.problems.append(f"{name}: not a valid wheel file name")
                continue
            variant = by_dist.get(dist)
            if variant is None:
                report.problems.append(
                    f"{name}: unexpected: {dist} is not a variant's distribution"
                )
                continue
            found = _check_wheel(path, variant, version, report)
            if variant.cuda is not None and (tool := cuobjdump()) is not None:
                _check_gpu_archs(path, variant, report, tool)
            key = (dist, "wheel", *(found or (None, None)))
        elif name.endswith((".tar.gz", ".zip")):
            try:
                sdist = parse_filename(name)
            except InvalidFilename:
                report.problems.append(f"{name}: not a valid sdist file name")
                continue
            dist, sdist_version = sdist.distribution, sdist.version
            if sdist_version != Version(version):
                report.problems.append(f"{name}: version {sdist_version}, the release is {version}")
            if sdist_version.local is not None:
                report.problems.append(f"{name}: local version {sdist_version}")
            key = (dist, "sdist", None, None)
        else:
            report.problems.append(f"{name}: unexpected file (neither a wheel nor an sdist)")
            continue
        if key[2:] == (None, None) and key[1] == "wheel":
            continue  # its tags were already reported
        if key in seen:
            report.problems.append(f"{name}: a second file for {_describe(key)} (also {seen[key]})")
        elif key not in wanted:
            report.problems.append(
                f"{name}: unexpected: the release does not include {_describe(key)}"
            )
        seen[key] = name
    for key, exp in wanted.items():
        if key not in seen:
            report.problems.append(f"missing: {exp.filename} ({_describe(key)})")
    # twine reads only distributions that open: any other file is reported above already
    readable = [
        f
        for f in files
        if f.name.endswith(".tar.gz")
        or (f.name.endswith((".whl", ".zip")) and zipfile.is_zipfile(f))
    ]
    if twine and readable:
        _twine_check(readable, report)
    return report


def _check_size(path: Path, by_dist: dict[str, Variant], report: CheckReport) -> None:
    """No file larger than its variant's upload limit (``max-file-size-mb``, PyPI's 100 MiB
    by default): found here, before the tag is pushed, not by a refused upload."""
    try:
        variant = by_dist.get(parse_filename(path.name).distribution)
    except InvalidFilename:
        return  # named as a bad file name where it is checked
    if variant is None:
        return
    size = path.stat().st_size
    limit = variant.max_file_size_mb * 1024 * 1024
    if size > limit:
        report.problems.append(
            f"{path.name}: {size / 1024 / 1024:.1f} MiB, more than the "
            f"{variant.max_file_size_mb:g} MiB an upload of {variant.name} may be "
            "(max-file-size-mb; PyPI grants larger limits per project on request)"
        )


def _describe(key: tuple[str, str, str | None, str | None]) -> str:
    dist, kind, python, arch = key
    return f"{dist} sdist" if kind == "sdist" else f"{dist} CPython {python} {arch}"


def _twine_check(files: Sequence[Path], report: CheckReport) -> None:
    proc = run([sys.executable, "-m", "twine", "check", "--strict", *map(str, files)], check=False)
    if proc.returncode == 0:
        return
    current = None
    for line in (proc.stdout + proc.stderr).splitlines():
        line = re.sub(r"\x1b\[[0-9;]*m", "", line).strip()
        match = re.match(r"Checking (\S+): (PASSED|FAILED|PASSED with warnings)", line)
        if match:
            current = Path(match[1]).name if match[2] != "PASSED" else None
            continue
        if current and line.startswith(("ERROR", "WARNING")):
            report.problems.append(f"{current}: twine check: {line}")
    if not any("twine check" in p for p in report.problems):
        # twine stopped without a verdict per file (it crashed on one): its last line only
        report.problems.append(f"twine check --strict failed: {last_line(proc)}")
