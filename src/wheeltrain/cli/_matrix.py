"""`wheeltrain matrix`: the GitHub Actions build matrix and the files a release must contain."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wheeltrain.cli._output import emit
from wheeltrain.core.config import (
    ARCHS,
    EVENTS,
    TrainConfig,
    parse_assignment,
    parse_config,
    with_environment,
    with_max_platform,
)
from wheeltrain.core.matrix import BuildTarget, expected_files
from wheeltrain.core.versioning import validate_for_release
from wheeltrain.errors import ConfigError, StepFailed, UsageError
from wheeltrain.stages import edge

if TYPE_CHECKING:
    from wheeltrain.stages.edge import BuildReport, Project


def load_config(project: Project) -> TrainConfig:
    table = project.wheeltrain
    if table is None:
        raise ConfigError(
            f"{project.pyproject} has no [tool.wheeltrain] table: declare the variants there "
            "(see docs/RELEASE_PLAN.md)"
        )
    return parse_config(table)


def add_selection(p: argparse.ArgumentParser, *, event_required: bool = True) -> None:
    p.add_argument("--event", choices=EVENTS, required=event_required, help="which release")
    p.add_argument("--variant", action="append", default=[], help="only this variant (repeat)")
    p.add_argument("--python", action="append", default=[], help="only this Python, e.g. 3.12")
    p.add_argument("--arch", action="append", default=[], choices=ARCHS, help="only this arch")


def selected(args: argparse.Namespace, config: TrainConfig) -> list[BuildTarget]:
    from wheeltrain.stages.pipeline.steps import select

    return select(config, args.event, variants=args.variant, pythons=args.python, archs=args.arch)


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "matrix",
        parents=[common],
        help="the build matrix (variant x python x arch) and the expected files",
        description="Print the GitHub Actions strategy.matrix include-list and the exact list "
        "of files the release must contain.",
    )
    add_selection(p)
    p.add_argument("--version", help="the release version (default: [project].version)")
    p.add_argument(
        "--skip-published",
        action="store_true",
        help="leave out the builds whose wheel the index has already (a re-run of a release); "
        "needs --index-url or --repository",
    )
    add_index_choice(p)
    p.set_defaults(handler=cmd_matrix)
    register_build_and_check(subparsers, common)


def add_index_choice(p: argparse.ArgumentParser) -> None:
    """Where to read what an index has: a simple index URL, or a known index by name."""
    p.add_argument("--index-url", metavar="URL", help="a simple index, e.g. http://host/simple/")
    p.add_argument(
        "--repository", choices=("pypi", "testpypi"), help="a known index (default: PyPI)"
    )


def index_client(args: argparse.Namespace) -> Any:
    return edge.index(args.index_url, args.repository)  # PyPI when neither is named


def cmd_matrix(args: argparse.Namespace) -> int:
    project = edge.project(Path(args.project))
    config = load_config(project)
    version = validate_for_release(args.version or project.version).canonical
    targets = selected(args, config)
    skipped = 0
    all_targets = targets
    if args.skip_published:
        from wheeltrain.stages.pipeline.steps import unpublished_targets

        targets, skipped = unpublished_targets(index_client(args), config, targets, version)
    elif args.index_url or args.repository:
        raise UsageError("--index-url and --repository go with --skip-published")
    include = [t.matrix_entry(config) for t in targets]
    expected = [f.as_dict() for f in expected_files(config, all_targets, version)]
    data = {"version": version, "include": include, "expected": expected, "published": skipped}
    lines = [f"{len(include)} build(s) for the {args.event} release of {version}:"]
    lines += [
        f"  {e['variant']:<12} {e['python']:<5} {e['arch']:<8} {e['runner']:<18} {e['CIBW_BUILD']}"
        for e in include
    ]
    if skipped:
        lines.append(f"{skipped} build(s) left out: the index has their wheels already")
    lines.append(f"{len(expected)} expected file(s):")
    lines += [f"  {f['filename']}" for f in expected]
    outputs = {
        "matrix": json.dumps({"include": include}, separators=(",", ":")),
        "expected": json.dumps(expected, separators=(",", ":")),
        "builds": str(len(include)),
    }
    emit(args, "\n".join(lines), data, outputs)
    return 0


def register_build_and_check(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "build",
        parents=[common],
        help="build a variant's wheels into DIR/<variant>/",
        description="Build the variant from a temporary copy of the project (distribution name "
        "and version rewritten in its pyproject.toml): cibuildwheel where a container engine "
        "works, else pip wheel + auditwheel repair with each local CPython. What this machine "
        "cannot build honestly is listed as CI only.",
    )
    p.add_argument("--variant", required=True, help="the variant to build (one)")
    p.add_argument("--python", action="append", default=[], help="only this Python (repeat)")
    p.add_argument("--arch", action="append", default=[], choices=ARCHS, help="only this arch")
    p.add_argument("--out", default="dist", help="output folder (default: dist)")
    p.add_argument("--version", help="the version to stamp (default: [project].version)")
    p.add_argument("--sdist", action="store_true", help="also build the sdist")
    p.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a build variable for this build only, over the variant's own value on every "
        "architecture (repeat), e.g. to build without an option this machine cannot serve",
    )
    p.add_argument(
        "--test",
        action="store_true",
        help="test every wheel before keeping it: in a container, the variant's test-command "
        "(else its smoke command) in cibuildwheel's test step; a wheel built on the host (a pure "
        "variant's, or with --builder host) is installed from --out into a fresh environment for "
        "each selected local CPython and its smoke command run",
    )
    p.add_argument(
        "--index-url",
        default="https://pypi.org/simple/",
        help="with --test outside a container: where the wheels' dependencies come from "
        "(default: PyPI)",
    )
    p.add_argument(
        "--builder",
        choices=("auto", "container", "host"),
        help="where to build: a container with cibuildwheel, the host's CPythons, or whichever "
        "works here (default: $WHEELTRAIN_BUILDER, else auto)",
    )
    p.set_defaults(handler=cmd_build)

    p = subparsers.add_parser(
        "check",
        parents=[common],
        help="check built files against the release before publishing",
        description="Exit 1 listing every problem: missing or unexpected files, names, versions "
        "or tags that disagree with the plan, twine check failures, forbidden shared libraries, "
        "platform tags newer than allowed, local versions.",
    )
    p.add_argument("dist", help="the folder with the built files (searched recursively)")
    add_selection(p)
    p.add_argument("--version", required=True, help="the release version")
    p.add_argument("--no-twine", action="store_true", help="skip twine check --strict")
    p.add_argument(
        "--max-platform",
        metavar="TAG",
        help="judge platform tags against TAG (e.g. manylinux_2_36) instead of each variant's "
        "max-platform: for wheels from a builder that is not the variant's image, such as "
        "wheeltrain's local Debian builder",
    )
    p.set_defaults(handler=cmd_check)


def cmd_build(args: argparse.Namespace) -> int:
    from wheeltrain.stages.pipeline.steps import build_targets

    root = Path(args.project)
    project = edge.project(root)
    config = load_config(project)
    overrides = dict(parse_assignment(item) for item in args.env)
    variant = with_environment(config.variant(args.variant), overrides)
    version = validate_for_release(args.version or project.version).canonical
    targets = build_targets(variant, args.python or (), args.arch or ())
    out = Path(args.out) / variant.name
    report = edge.build_variant(
        root / project.package_dir,  # a tree cut before a layout moved builds from its own
        variant,
        targets,
        version,
        out,
        sdist=args.sdist,
        builder=args.builder,
        test=args.test,
        submodules=config.submodules,
        progress=lambda line: None if args.json else print(line, file=sys.stderr, flush=True),
    )
    smoke_lines: list[str] = []
    if args.test and report.built:
        smoke_lines = _test_host_builds(args, targets, report, version, out)
    lines = [f"{variant.name}: {len(report.built)} file(s) in {out} ({report.seconds:.1f} s)"]
    lines += [f"  {p.name}" for p in report.built]
    lines += [f"  CI only: {build} ({why})" for build, why in report.ci_only]
    lines += smoke_lines
    emit(args, "\n".join(lines), report.as_dict())
    if not report.built:
        raise StepFailed(f"nothing of {variant.name} can be built here: its builds run on CI")
    return 0


def _test_host_builds(
    args: argparse.Namespace,
    targets: list[BuildTarget],
    report: BuildReport,
    version: str,
    out: Path,
) -> list[str]:
    """``--test`` for what cibuildwheel did not test: host builds and a pure variant's wheel,
    installed from ``out`` with each selected local CPython; a failure stops the build."""
    from wheeltrain.stages.pipeline.steps import dist_root, smoke_step

    ci_only = {build for build, _ in report.ci_only}
    host = [
        t
        for t in targets
        if t.identifier not in ci_only and not edge.uses_container(t, args.builder)
    ]
    if not host:
        return []
    run = smoke_step(
        host,
        version,
        args.index_url,
        find_links=dist_root(out),
        pythons=args.python or (),
        progress=lambda line: None if args.json else print(line, file=sys.stderr, flush=True),
    )
    if run.failed:
        raise StepFailed(
            "a built wheel failed its test, do not publish it: "
            + "; ".join(f"{r.variant} {r.python}: {r.problem}" for r in run.failed)
        )
    return [f"  tested: {r.variant} on CPython {r.python}: {r.output or 'ok'}" for r in run.results]


def dist_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder: build first, or name the dist folder")
    from wheeltrain.stages.pipeline.steps import dist_files as files

    return files(folder)


def cmd_check(args: argparse.Namespace) -> int:
    from wheeltrain.stages.pipeline.steps import check_step

    project = edge.project(Path(args.project))
    config = load_config(project)
    if args.max_platform:
        config = with_max_platform(config, args.max_platform)
    version = validate_for_release(args.version).canonical
    targets = selected(args, config)
    report = check_step(
        dist_files(Path(args.dist)), config, targets, version, twine=not args.no_twine
    )
    notes = "".join(f"\n  note: {n}" for n in report.notes)
    if report.ok:
        emit(
            args,
            f"ok: {len(report.files)} file(s) are exactly the {args.event} release of {version}"
            + notes,
            report.as_dict(),
        )
        return 0
    emit(
        args,
        f"{len(report.problems)} problem(s) in {args.dist}:\n"
        + "\n".join(f"  {p}" for p in report.problems)
        + notes,
        report.as_dict(),
    )
    return 1
