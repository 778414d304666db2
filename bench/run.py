"""Benchmark: `wheeltrain plan` and `wheeltrain changelog --all` against semantic-release,
commitizen and plain git, on generated repositories, all measured in one run.

    .venv/bin/python bench/run.py                 # 1k, 10k and 100k commits
    .venv/bin/python bench/run.py --sizes 1000    # quicker
    .venv/bin/python bench/run.py --builds        # container builds: wheeltrain against bare
                                                  # cibuildwheel and the host path

Each repository has one release tag per 100 commits (1,000 tags at 100k commits) and about 20
commits since the last release, with its refs packed as a clone has them. Prints a table of median wall time and peak memory (RSS of
the process tree) and the ratios the project's goals are stated in.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.fastimport import Event, write_history  # noqa: E402
from tests.support.projects import psr_project  # noqa: E402

BIN = Path(sys.executable).parent
CZ_TOML = """\
[tool.commitizen]
name = "cz_conventional_commits"
version_provider = "pep621"
version_scheme = "pep440"
tag_format = "v$version"
major_version_zero = true
"""
KINDS = [
    "feat(store): add a thing",
    "fix(ep): handle empty buffers",
    "docs: words",
    "chore: tidy",
    "perf: faster reads",
    "refactor(cli): split module",
    "Update README.md",
]


NEXT_VERSION = (
    "wheeltrain plan",
    "semantic-release --noop version --print",
    "cz bump --get-next",
    "git-cliff --bumped-version --unreleased",
    "bare probe (git describe + git log + regex)",
)

#: The least any planner must do, in Python: find the last tag, read the commits since, and
#: classify them with a regex. wheeltrain plan is measured against it.
PROBE = r"""
import re, subprocess, sys
tag = subprocess.run(["git", "describe", "--tags", "--abbrev=0", "--match", "v*"],
                     capture_output=True, text=True, check=True).stdout.strip()
log = subprocess.run(["git", "log", "--format=%B%x00", f"{tag}..HEAD"],
                     capture_output=True, text=True, check=True).stdout
kinds = re.compile(r"^(feat|fix|perf)(\([^)]*\))?(!)?: ", re.M)
levels = {m[1] for m in kinds.finditer(log)}
major, minor, patch = map(int, tag[1:].split(".")[:3])
if "feat" in levels:
    minor, patch = minor + 1, 0
elif levels:
    patch += 1
print(f"next version: {major}.{minor}.{patch}")
"""

#: The floor under any planner written in Python: the interpreter starts, reads
#: pyproject.toml (the configuration every planner here reads) and runs the two git calls a
#: plan cannot do without (the tags, and the log since the last one), parsing and printing
#: nothing. What wheeltrain plan spends above it is its own.
FLOOR = r"""
import subprocess, sys, tomllib
with open("pyproject.toml", "rb") as fh:
    tomllib.load(fh)
subprocess.run(["git", "show-ref", "--tags", "-d"], capture_output=True, check=True)
subprocess.run(["git", "log", "--format=%H%x1f%P%x1f%B", sys.argv[1] + "..HEAD", "--"],
               capture_output=True, check=True)
"""
PYTHON_START = "python start (-c pass)"
PYTHON_FLOOR = "Python floor (start + tomllib + show-ref + git log <lasttag>..HEAD)"
#: The same with packaging's version module loaded: the PEP 440 implementation a Python planner
#: orders the tags with (this project's choice, and pip's).
PACKAGING_FLOOR = "Python floor + packaging.version"


def history(commits: int, tail: int = 20) -> list[Event]:
    """``commits`` commits with one release tag per 100 of them, ``tail`` after the last."""
    events: list[Event] = []
    minor = 0
    released = commits - tail
    tags = max(1, commits // 100)
    tagged = {round(k * released / tags) for k in range(1, tags + 1)}
    for i in range(1, commits):
        events.append(("commit", f"{KINDS[i % len(KINDS)]} {i}\n\nBody of change {i}. Refs: #{i}"))
        if i in tagged:
            minor += 1
            events.append(("tag", f"v0.{minor}.0"))
    return events


def measure_once(cmd: Sequence[str], cwd: Path) -> tuple[float, float, str]:
    """Seconds, peak RSS in MB, and the last line of stdout (the next version) of one run."""
    start = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *cmd], cwd=cwd, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed in {cwd}: {proc.stderr[-500:]}")
    peak = int(proc.stderr.strip().splitlines()[-1]) / 1024
    out = proc.stdout.strip().splitlines()
    found = [line for line in out if line.startswith("next version: ")]
    last = found[0].split()[2] if found else (out[-1] if out else "")
    if not found and proc.stderr.strip() and "cliff" in cmd[0]:
        last = out[0] if out else ""
    return elapsed, peak, last


def measure_all(
    commands: dict[str, tuple[Sequence[str], int]], cwd: Path
) -> dict[str, tuple[float, float, str]]:
    """Median seconds, peak RSS and last line of each command. The runs are interleaved
    (one run of every command per round, a command stopping after its own number of runs):
    a machine that slows down for a while slows every command alike, so the ratios the goals
    are stated in compare runs made side by side, not minutes apart."""
    samples: dict[str, list[tuple[float, float, str]]] = {name: [] for name in commands}
    for round_ in range(max(runs for _, runs in commands.values())):
        for name, (cmd, runs) in commands.items():
            if round_ < runs:
                samples[name].append(measure_once(cmd, cwd))
    results = {}
    for name, found in samples.items():
        results[name] = (
            statistics.median(t for t, _, _ in found),
            max(p for _, p, _ in found),
            found[-1][2],
        )
        print(f"#   {name}: {results[name][0]:.3f} s", file=sys.stderr)
    return results


def timed(cmd: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(list(cmd), cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} failed: {(proc.stderr or proc.stdout)[-800:]}")
    return time.perf_counter() - start


def builds(runs: int) -> int:
    """The example's non-CUDA variant for every local CPython on x86_64, built (1) by
    ``wheeltrain build`` in a container, (2) by a bare ``cibuildwheel`` run with the very same
    settings on a copy, (3) by ``wheeltrain build`` on the host; then a rehearsal with each
    builder. Medians of ``runs``."""
    from wheeltrain.adapters import builder, container
    from wheeltrain.adapters.project import load_project
    from wheeltrain.core.config import parse_config
    from wheeltrain.stages.pipeline.steps import build_targets

    example = ROOT / "examples" / "transfer-engine"
    config = parse_config(load_project(example).wheeltrain or {})
    variant = config.variant("non-cuda")
    pythons = [py for py in variant.python if builder.find_python(py)]
    targets = build_targets(variant, pythons, ["x86_64"])
    if container.engine() is None:
        raise SystemExit("bench --builds needs a container engine (podman with runc)")
    env, _ = builder.cibuildwheel_env(targets)  # also makes the builder image, once
    wt = str(BIN / "wheeltrain")
    base = [wt, "build", "--variant", "non-cuda", "--arch", "x86_64", "--version", "0.4.0"]
    base += [x for py in pythons for x in ("--python", py)]
    rows: dict[str, list[float]] = {}
    work = Path(tempfile.mkdtemp(prefix="wheeltrain-bench-builds-"))
    try:
        for i in range(runs):
            out = work / f"c{i}"
            rows.setdefault("wheeltrain build (container)", []).append(
                timed(
                    [*base, "--builder", "container", "--out", str(out), "--project", str(example)],
                    cwd=work,
                )
            )
            copy = work / f"bare{i}"
            builder.copy_project(example, copy)
            rows.setdefault("bare cibuildwheel (same settings)", []).append(
                timed(
                    [
                        sys.executable,
                        "-m",
                        "cibuildwheel",
                        "--platform",
                        "linux",
                        "--output-dir",
                        str(work / f"b{i}"),
                        ".",
                    ],
                    cwd=copy,
                    env=env,
                )
            )
            rows.setdefault("wheeltrain build (host)", []).append(
                timed(
                    [
                        *base,
                        "--builder",
                        "host",
                        "--out",
                        str(work / f"h{i}"),
                        "--project",
                        str(example),
                    ],
                    cwd=work,
                )
            )
        for name, choice in (("container", "container"), ("host", "host")):
            rows[f"wheeltrain rehearse ({name})"] = [
                timed(
                    [wt, "rehearse", "--project", str(example)],
                    cwd=work,
                    env={**os.environ, "WHEELTRAIN_BUILDER": choice},
                )
                for _ in range(max(1, runs // 2))
            ]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    medians = {name: statistics.median(times) for name, times in rows.items()}
    print(
        f"| builds: non-cuda x {len(pythons)} CPythons ({', '.join(pythons)}), x86_64 | median s |"
    )
    print("|---|---:|")
    for name, value in medians.items():
        print(f"| {name} | {value:.1f} |")
    overhead = (
        medians["wheeltrain build (container)"] / medians["bare cibuildwheel (same settings)"] - 1
    )
    print()
    print(f"wheeltrain over bare cibuildwheel: {overhead * 100:+.1f} % (goal: under +10 %)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--runs", type=int, default=9, help="runs of each fast command")
    parser.add_argument("--slow-runs", type=int, default=3, help="runs of each slow command")
    parser.add_argument(
        "--builds", action="store_true", help="measure container builds instead of planning"
    )
    args = parser.parse_args(argv)
    if args.builds:
        return builds(args.slow_runs)
    # Byte-compiled as pip installs it: with PYTHONDONTWRITEBYTECODE set, an edited module
    # would otherwise be compiled again on every start and counted as start-up.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "src" / "wheeltrain")], check=True
    )
    rows = []
    work = Path(tempfile.mkdtemp(prefix="wheeltrain-bench-"))
    try:
        for size in args.sizes:
            repo = work / f"repo-{size}"
            start = time.perf_counter()
            events = history(size)
            tags = sum(1 for kind, _ in events if kind == "tag")
            files = psr_project(version=f"0.{tags}.0")  # stamped, as after the last release
            files[".cz.toml"] = CZ_TOML
            write_history(repo, files, events)
            # as a clone has them: fast-import leaves 1,000 loose tag files behind
            subprocess.run(["git", "-C", str(repo), "pack-refs", "--all"], check=True)
            print(
                f"# {size} commits, {tags} tags: generated in {time.perf_counter() - start:.1f} s",
                file=sys.stderr,
            )
            last = f"v0.{tags}.0"
            commands = {
                "git log <lasttag>..HEAD": (
                    ["git", "log", "--format=%H %s", f"{last}..HEAD"],
                    args.runs,
                ),
                "git log (full history)": (["git", "log"], args.runs),
                "git log --decorate (full history)": (
                    ["git", "log", "--decorate", "--format=%H %D%n%B"],
                    args.runs,
                ),
                "bare probe (git describe + git log + regex)": (
                    [sys.executable, "-c", PROBE],
                    args.runs,
                ),
                PYTHON_START: ([sys.executable, "-c", "pass"], args.runs),
                PYTHON_FLOOR: ([sys.executable, "-c", FLOOR, last], args.runs),
                PACKAGING_FLOOR: (
                    [sys.executable, "-c", "import packaging.version\n" + FLOOR, last],
                    args.runs,
                ),
                "git-cliff --bumped-version --unreleased": (
                    [str(BIN / "git-cliff"), "--bumped-version", "--unreleased"],
                    args.runs,
                ),
                "wheeltrain plan": ([str(BIN / "wheeltrain"), "plan"], args.runs),
                "semantic-release --noop version --print": (
                    [str(BIN / "semantic-release"), "--noop", "version", "--print"],
                    args.slow_runs,
                ),
                "cz bump --get-next": ([str(BIN / "cz"), "bump", "--get-next"], args.slow_runs),
                "wheeltrain changelog --all": (
                    [str(BIN / "wheeltrain"), "changelog", "--all"],
                    args.runs,
                ),
                "semantic-release --noop changelog": (
                    [str(BIN / "semantic-release"), "--noop", "changelog"],
                    1,
                ),
                "cz changelog --dry-run": (
                    [str(BIN / "cz"), "changelog", "--dry-run"],
                    args.slow_runs,
                ),
            }
            rows.append((size, tags, measure_all(commands, repo)))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print("| commits | tags | command | median s | peak MB | next version |")
    print("|---:|---:|---|---:|---:|---|")
    for size, tags, results in rows:
        for name, (median, peak, out) in results.items():
            shown = out if name in NEXT_VERSION else ""
            print(f"| {size:,} | {tags:,} | {name} | {median:.3f} | {peak:.0f} | {shown} |")
    print()
    print(
        "| commits | plan / git-cliff (goal <= 1.0) | plan / bare probe (goal <= 1.5) | "
        "changelog --all / decorated git log (goal <= 1.5) | Python floor / git-cliff | "
        "floor + packaging.version / git-cliff | plan over the Python floor (ms) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size, _tags, r in rows:
        plan = r["wheeltrain plan"][0]
        cliff = r["git-cliff --bumped-version --unreleased"][0]
        probe = r["bare probe (git describe + git log + regex)"][0]
        decorated = r["git log --decorate (full history)"][0]
        floor = r[PYTHON_FLOOR][0]
        print(
            f"| {size:,} | {plan / cliff:.2f} | {plan / probe:.2f} | "
            f"{r['wheeltrain changelog --all'][0] / decorated:.2f} | {floor / cliff:.2f} | "
            f"{r[PACKAGING_FLOOR][0] / cliff:.2f} | {(plan - floor) * 1000:.1f} |"
        )
    print()
    print(
        "| commits | plan vs semantic-release | plan vs commitizen | plan vs git floor | "
        "changelog --all vs full git log | changelog vs semantic-release | changelog vs commitizen |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size, _tags, r in rows:
        plan = r["wheeltrain plan"][0]
        print(
            f"| {size:,} | {r['semantic-release --noop version --print'][0] / plan:.1f}x faster | "
            f"{r['cz bump --get-next'][0] / plan:.1f}x faster | "
            f"{plan / r['git log <lasttag>..HEAD'][0]:.1f}x the floor | "
            f"{r['wheeltrain changelog --all'][0] / r['git log (full history)'][0]:.2f}x | "
            f"{r['semantic-release --noop changelog'][0] / r['wheeltrain changelog --all'][0]:.1f}x faster | "
            f"{r['cz changelog --dry-run'][0] / r['wheeltrain changelog --all'][0]:.1f}x faster |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
