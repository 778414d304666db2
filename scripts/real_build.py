"""Build the first user's real wheels from Mooncake's own source, through `wheeltrain build`.

    .venv/bin/python scripts/real_build.py --work /tmp/mooncake-build \
        [--mooncake URL-OR-GIT-DIR] [--pybind11 ...] [--yalantinglibs ...]

What it does, each step a wheeltrain command where one exists:

1. clones Mooncake (default: github.com) and its two submodules (pybind11, yalantinglibs) from
   the given sources; a snapshot that lacks a few large data blobs (images, traces) has them
   left out of the checkout, said in the output;
2. `wheeltrain init --profile mooncake --history`: the table, and its differences from PyPI;
3. `wheeltrain build --test` of the non-CUDA variant for CPython 3.12 then 3.13 in one
   cibuildwheel run, from an empty compiler cache (the second CPython's time against the
   first's is the cache's effect), and of the CUDA 13 variant for CPython 3.12, in wheeltrain's
   local builder container; the etcd metadata client is switched off (`--env`) where Go's
   download site cannot be reached;
4. `wheeltrain check` of every wheel (its libraries against the variant's contract, and the
   GPU architectures where cuobjdump is found), and `wheeltrain smoke --container` of the
   CPU-only wheels: their compiled modules imported and called in a container with no CUDA;
5. a Markdown table of the results on stdout and `results.json` in the work folder.

Nothing is uploaded. It takes about an hour on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WHEELTRAIN = str(Path(sys.executable).with_name("wheeltrain"))
GITHUB = "https://github.com/{}.git"
SUBMODULES = {"extern/pybind11": "pybind11", "extern/yalantinglibs": "yalantinglibs"}
# Mooncake's release options without the etcd metadata client, whose Go toolchain comes from
# go.dev (not reachable where only package registries are)
WITHOUT_ETCD = (
    "CMAKE_BUILD_TYPE=Release;BUILD_UNIT_TESTS=OFF;BUILD_BENCHMARK=OFF;WITH_P2P_STORE=OFF;"
    "WITH_STORE_GO=OFF;WITH_STORE_RUST=OFF;WITH_EP=OFF;USE_HTTP=ON"
)
_BUILT = re.compile(r"^\s*✓ (\d+(?:\.\d+)?)s")


def sh(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    print("+ " + " ".join(args), file=sys.stderr, flush=True)
    proc = subprocess.run(
        args, cwd=cwd, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    if proc.returncode != 0:
        print(proc.stdout[-4000:], file=sys.stderr)
        raise SystemExit(f"real_build: {' '.join(args[:3])} failed (exit {proc.returncode})")
    return proc.stdout


def checkout(work: Path, sources: dict[str, str], *, submodules: bool = True) -> Path:
    src = work / "Mooncake"
    if src.exists():
        shutil.rmtree(src)
    sh("git", "clone", "--quiet", "--no-checkout", sources["mooncake"], str(src))
    listed = sh("git", "ls-tree", "-r", "HEAD", cwd=src).splitlines()
    blobs: dict[str, list[str]] = {}
    for line in listed:
        if " blob " in line:
            blobs.setdefault(line.split()[2], []).append(line.split("\t", 1)[1])
    check = subprocess.run(
        ["git", "cat-file", "--batch-check"], cwd=src, text=True, capture_output=True,
        input="\n".join(blobs),
    )  # fmt: skip
    absent = sorted(
        path
        for line in check.stdout.splitlines()
        if line.endswith(" missing")
        for path in blobs[line.split()[0]]
    )
    if absent:
        print(
            f"the snapshot lacks {len(absent)} data file(s): {', '.join(absent)}", file=sys.stderr
        )
        sh("git", "read-tree", "HEAD", cwd=src)
        sh("git", "update-index", "--force-remove", *absent, cwd=src)
        sh("git", "checkout-index", "--all", cwd=src)
        sh("git", "-c", "user.name=build", "-c", "user.email=build@localhost", "commit",
           "--quiet", "-m", "chore: leave out data files the snapshot lacks", cwd=src)  # fmt: skip
    else:
        sh("git", "checkout", "--quiet", "HEAD", "--", ".", cwd=src)
    if submodules:
        for path, key in SUBMODULES.items():
            sh("git", "config", f"submodule.{path}.url", sources[key], cwd=src)
        sh("git", "-c", "protocol.file.allow=always", "submodule", "update", "--init", cwd=src)
    return src


def adopt(src: Path) -> list[str]:
    out = sh(WHEELTRAIN, "init", "--profile", "mooncake", "--no-lock", "--history", "--json",
             "--project", str(src))  # fmt: skip
    report = json.loads(out[out.index("{") :])
    sh("git", "add", "-A", cwd=src)
    sh("git", "-c", "user.name=build", "-c", "user.email=build@localhost", "commit", "--quiet",
       "--no-verify", "-m", "chore: adopt wheeltrain", cwd=src)  # fmt: skip
    found = report["found"]
    return [
        line for key, lines in found.items() if key.startswith("where the table") for line in lines
    ]


def build(src: Path, out: Path, variant: str, pythons: list[str], etcd: bool) -> dict[str, object]:
    args = [WHEELTRAIN, "build", "--variant", variant, "--arch", "x86_64", "--out", str(out),
            "--test", "--project", str(src), "--json"]  # fmt: skip
    for python in pythons:
        args += ["--python", python]
    if not etcd:
        cuda = (
            "USE_CUDA=OFF;CMAKE_DISABLE_FIND_PACKAGE_CUDAToolkit=ON"
            if variant == "non-cuda"
            else "USE_CUDA=ON;USE_INTRA_NVLINK=ON"
        )
        args += ["--env", f"SKBUILD_CMAKE_DEFINE={WITHOUT_ETCD};{cuda}"]
    began = time.monotonic()
    text = sh(*args, env={**os.environ, "WHEELTRAIN_BUILDER": "container"})
    seconds = time.monotonic() - began
    report = json.loads(text[text.index("{") :])
    logs = sorted((out / variant / "logs").glob("*.log"))
    steps = [float(m[1]) for log in logs for line in log.read_text().splitlines()
             if (m := _BUILT.match(line))]  # fmt: skip
    return {"report": report, "seconds": seconds, "steps": steps, "logs": [str(p) for p in logs]}


def needs(wheel: Path) -> list[str]:
    from wheeltrain.stages.pipeline.check import elf_needed

    found: set[str] = set()
    with zipfile.ZipFile(wheel) as zf:
        for member in zf.namelist():
            if not member.endswith("/") and ".libs/" not in member:
                found.update(elf_needed(zf.read(member)))
    return sorted(found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, required=True, help="a folder for the checkout")
    parser.add_argument("--mooncake", default=GITHUB.format("kvcache-ai/Mooncake"))
    parser.add_argument("--pybind11", default=GITHUB.format("pybind/pybind11"))
    parser.add_argument("--yalantinglibs", default=GITHUB.format("alibaba/yalantinglibs"))
    parser.add_argument("--etcd", action="store_true", help="keep the etcd client (needs go.dev)")
    parser.add_argument("--keep-cache", action="store_true", help="do not empty the cache first")
    args = parser.parse_args()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    sources = {"mooncake": args.mooncake, "pybind11": args.pybind11,
               "yalantinglibs": args.yalantinglibs}  # fmt: skip
    src = checkout(work, sources)
    commit = sh("git", "rev-parse", "--short", "HEAD~1", cwd=src).strip()
    differences = adopt(src)
    cache = Path(os.environ.get("WHEELTRAIN_CACHE_DIR") or Path.home() / ".cache" / "wheeltrain")
    if not args.keep_cache:
        shutil.rmtree(cache / "ccache", ignore_errors=True)
    out = work / "dist"
    shutil.rmtree(out, ignore_errors=True)
    runs = {
        "non-cuda": build(src, out, "non-cuda", ["3.12", "3.13"], args.etcd),
        "cuda13": build(src, out, "cuda13", ["3.12"], args.etcd),
    }
    rows = []
    for variant in runs:
        wheels = sorted((out / variant).glob("*.whl"))
        version = sh(WHEELTRAIN, "current", "--project", str(src)).split()[1]
        checked = subprocess.run(
            # wheeltrain's local builder is Debian bookworm (glibc 2.36), not the variant's
            # manylinux_2_28 image: its wheels are tagged as their symbols need
            [WHEELTRAIN, "check", str(out / variant), "--event", "manual", "--variant", variant,
             "--arch", "x86_64", "--version", version, "--project", str(src),
             "--max-platform", "manylinux_2_36",
             *(a for w in wheels for a in ("--python", _python(w.name)))],
            text=True, capture_output=True,
        )  # fmt: skip
        smoked = None
        if variant == "non-cuda":
            smoked = subprocess.run(
                [WHEELTRAIN, "smoke", "--event", "manual", "--variant", variant, "--version",
                 version, "--container", "--find-links", str(out / variant), "--project",
                 str(src), *(a for w in wheels for a in ("--python", _python(w.name)))],
                text=True, capture_output=True,
            )  # fmt: skip
        for wheel in wheels:
            rows.append({
                "variant": variant,
                "wheel": wheel.name,
                "MiB": round(wheel.stat().st_size / 2**20, 1),
                "needs (CUDA)": [n for n in needs(wheel) if "cuda" in n or "nvidia" in n],
                "check": "ok" if checked.returncode == 0 else checked.stdout.strip(),
                "check notes": [ln.strip() for ln in checked.stdout.splitlines() if "note:" in ln],
                "smoke in a container without CUDA": None if smoked is None else (
                    "ok" if smoked.returncode == 0 else smoked.stdout.strip()),
            })  # fmt: skip
    summary = {
        "mooncake": commit,
        "differences from PyPI": differences,
        "builds": {v: {k: r[k] for k in ("seconds", "steps")} for v, r in runs.items()},
        "wheels": rows,
    }
    (work / "results.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    return 0


def _python(filename: str) -> str:
    tag = filename.split("-")[2]
    return f"3.{tag[3:]}"


if __name__ == "__main__":
    raise SystemExit(main())
