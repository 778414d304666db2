"""`wheeltrain publish`, `wheeltrain verify --all-variants` and `wheeltrain smoke`."""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path
from typing import Any

from packaging.version import Version

from wheeltrain.cli._matrix import (
    add_index_choice,
    add_selection,
    dist_files,
    index_client,
    load_config,
    selected,
)
from wheeltrain.cli._output import emit, out_folder, retries, timeout
from wheeltrain.core.versioning import validate_for_release
from wheeltrain.errors import StepFailed, UsageError
from wheeltrain.stages import edge
from wheeltrain.stages.pipeline.publish import CapacityExceeded

#: --repository NAME; the URLs behind them are in wheeltrain.stages.pipeline.publish.REPOSITORIES
REPOSITORY_NAMES = ("pypi", "testpypi")


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "publish",
        parents=[common],
        help="upload every built file the index does not have yet (idempotent)",
        description="Ask the index what it has, upload only what is missing with twine, treat "
        "an identical file as done and a different one under the same name as an error; retry "
        "transient failures. Credentials come from TWINE_USERNAME/TWINE_PASSWORD or trusted "
        "publishing, never from the command line.",
    )
    p.add_argument("dist", help="the folder with the built files (searched recursively)")
    p.add_argument("--version", required=True, help="the release version, e.g. 0.4.0")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--repository-url", metavar="URL", help="the upload URL of an index")
    where.add_argument("--repository", choices=REPOSITORY_NAMES, help="a known index")
    p.add_argument(
        "--index-url",
        metavar="URL",
        help="where to read what the index has (default: derived from the upload URL)",
    )
    p.add_argument("--retries", type=retries, default=3, help="retries per file (default 3)")
    p.add_argument(
        "--timeout", type=timeout, default=300.0, help="seconds per upload (default 300)"
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="ask the index and say what would be uploaded; a different file under a name the "
        "index has fails here (exit 1); nothing is uploaded",
    )
    p.add_argument(
        "--stage-to",
        metavar="DIR",
        help="with --dry-run: copy the files the upload must send into DIR (for an uploader that "
        "does not ask the index first, as the workflows' publish job)",
    )
    p.set_defaults(handler=cmd_publish)

    p = subparsers.add_parser(
        "download",
        parents=[common],
        help="fetch the release's files the index has, each checked against its sha256",
        description="Download into DIR/<variant>/ every file of the release that the index "
        "has already, verified against the sha256 the index gives: what a re-run of a release "
        "does not build again, so that check and publish see the whole release.",
    )
    add_selection(p)
    p.add_argument("--version", required=True, help="the release version, e.g. 0.4.0")
    p.add_argument("--dest", default="dist", metavar="DIR", help="output folder (default: dist)")
    add_index_choice(p)
    p.set_defaults(handler=cmd_download)

    p = subparsers.add_parser(
        "smoke",
        parents=[common],
        help="install each variant from the index in a fresh venv and run its smoke command",
    )
    add_selection(p)
    p.add_argument("--version", required=True, help="the release version, e.g. 0.4.0")
    p.add_argument("--index-url", metavar="URL", help="a simple index (default: PyPI)")
    p.add_argument(
        "--upgrade-from",
        metavar="BASE",
        help="install BASE first, then `pip install --upgrade` must reach VERSION (hotfixes)",
    )
    p.add_argument(
        "--dependencies-index",
        metavar="URL",
        help="take only the release's own files from --index-url and everything they need "
        "from this index (a nightly on TestPyPI: https://pypi.org/simple/)",
    )
    p.add_argument(
        "--find-links",
        metavar="DIR",
        help="also install from the files in DIR (built or downloaded wheels, before upload)",
    )
    p.add_argument(
        "--container",
        action="store_true",
        help="test in a container (wheeltrain's local builder image) with nothing of this "
        "machine but its CPythons: no CUDA library for a variant built without CUDA, this "
        "machine's toolkit and the driver's link stub for a CUDA one",
    )
    p.add_argument(
        "--system-packages",
        action="store_true",
        help="first install each variant's runtime-packages with apt-get (sudo when not "
        "root), as its users do; in a container they are always installed",
    )
    p.set_defaults(handler=cmd_smoke)


def _where(args: argparse.Namespace) -> tuple[str, str | None]:
    from wheeltrain.stages.pipeline.publish import REPOSITORIES, read_url_for

    if args.repository:
        upload, read = REPOSITORIES[args.repository]
        return upload, args.index_url or read
    return args.repository_url, args.index_url or read_url_for(args.repository_url)


def cmd_publish(args: argparse.Namespace) -> int:
    from wheeltrain.stages.pipeline.publish import publish

    version = validate_for_release(args.version).canonical
    if args.retries < 0:
        raise UsageError("--retries cannot be negative")
    upload_url, read_url = _where(args)
    client = edge.index(read_url)
    files = [f for f in dist_files(Path(args.dist)) if f.name.endswith((".whl", ".tar.gz"))]
    if args.stage_to and not args.dry_run:
        raise UsageError("--stage-to goes with --dry-run: it stages files instead of uploading")
    if args.stage_to and Path(args.stage_to).exists() and not Path(args.stage_to).is_dir():
        raise UsageError(f"--stage-to {args.stage_to}: a file is there, not a folder")
    config = _project_config(args)
    try:
        if args.dry_run:
            return _publish_dry_run(args, files, version, upload_url, client, config)
        report = publish(
            files,
            version,
            upload_url=upload_url,
            client=client,
            attempts=args.retries + 1,
            upload_timeout=args.timeout,
            progress=lambda line: None if args.json else print(line, file=sys.stderr, flush=True),
            config=config,
        )
    except CapacityExceeded as exc:
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        raise
    emit(
        args,
        f"published {version}: {len(report.uploaded)} uploaded, {len(report.present)} already "
        f"on {client.where}",
        report.as_dict(),
    )
    return 0


def _project_config(args: argparse.Namespace) -> Any:
    """The project's [tool.wheeltrain] (its per-distribution limits), when it has one."""
    from wheeltrain.errors import ConfigError

    try:
        project = edge.project(Path(args.project))
    except ConfigError:
        return None  # publishing files of no wheeltrain project: PyPI's default limits
    return load_config(project) if project.wheeltrain is not None else None


def _publish_dry_run(
    args: argparse.Namespace,
    files: list[Path],
    version: str,
    upload_url: str,
    client: Any,
    config: Any,
) -> int:
    import shutil

    from wheeltrain.stages.pipeline.publish import preflight

    notes: list[str] = []
    present, missing = preflight(
        files, version, upload_url=upload_url, client=client, config=config, notes=notes
    )
    staged = None
    if args.stage_to:
        staged = out_folder(args.stage_to, "--stage-to")
        if any(staged.iterdir()):
            raise UsageError(f"--stage-to {staged} is not empty: name a new folder")
        for path in missing:
            shutil.copy2(path, staged / path.name)
    lines = [
        f"dry run of publishing {version} to {client.where}: {len(missing)} to upload, "
        f"{len(present)} already there (same sha256)"
    ]
    lines += [f"  upload  {p.name}" for p in missing]
    lines += [f"  there   {name}" for name in present]
    lines += [f"note: {note}" for note in notes]
    if staged is not None:
        lines.append(f"staged {len(missing)} file(s) in {staged}")
    emit(
        args,
        "\n".join(lines),
        {
            "dry_run": True,
            "upload": [p.name for p in missing],
            "present": present,
            "notes": notes,
            "staged": str(staged) if staged is not None else None,
        },
        {"upload": str(len(missing)), "present": str(len(present))},
    )
    return 0


def cmd_verify_all(args: argparse.Namespace) -> int:
    """`verify --all-variants [DIST] VERSION`: the whole release, every variant in lockstep."""
    from packaging.utils import canonicalize_name

    from wheeltrain.core.status import release_event
    from wheeltrain.stages.pipeline.steps import select, verify_all

    project = edge.project(Path(args.project))
    config = load_config(project)
    if len(args.target) not in (1, 2):
        raise UsageError(
            "with --all-variants give the version, optionally after a distribution: "
            "verify --all-variants [DIST] 0.4.0"
        )
    if len(args.target) == 2:
        names = {canonicalize_name(v.distribution) for v in config.variants}
        names.add(canonicalize_name(project.name))
        if canonicalize_name(args.target[0]) not in names:
            raise UsageError(
                f"{args.target[0]!r} is not a distribution of this project: use one of "
                + ", ".join(sorted(names))
            )
    version = validate_for_release(args.target[-1]).canonical
    if args.event is None:  # the one rule: a version's form names its release
        args.event = release_event(Version(version))
    # each release is judged by its own matrix: the table at its tag when there is one
    from wheeltrain.stages.common import config_for_release

    config, judged_by = config_for_release(project, config, version)
    targets = select(
        config, args.event, variants=args.variant, pythons=args.python, archs=args.arch
    )
    client = edge.index(args.index_url, timeout=args.timeout, attempts=args.retries + 1)
    local = dist_files(Path(args.dist)) if args.dist else []
    report = verify_all(
        client, config, version, event=args.event, targets=targets, local=local, wait=args.wait
    )
    report.notes.insert(0, f"judged by {judged_by}")
    notes = "".join(f"\n  note: {n}" for n in report.notes)
    if report.ok:
        emit(
            args,
            f"ok: {len(report.checked)} file(s) of the {args.event} release {version} on "
            f"{client.where}, every variant of it in lockstep"
            + (", sha256 as built" if local else "")
            + notes,
            report.as_dict(),
        )
        return 0
    emit(
        args,
        f"{len(report.problems)} problem(s) with the {args.event} release {version} on "
        f"{client.where}:\n" + "\n".join(f"  {p}" for p in report.problems) + notes,
        report.as_dict(),
    )
    return 1


def cmd_smoke(args: argparse.Namespace) -> int:
    from wheeltrain.stages.pipeline.steps import smoke_step

    project = edge.project(Path(args.project))
    config = load_config(project)
    version = validate_for_release(args.version).canonical
    if not args.arch:
        args.arch = [platform.machine()]
    targets = selected(args, config)
    index_url = args.index_url or "https://pypi.org/simple/"
    run = smoke_step(
        targets,
        version,
        index_url,
        upgrade_from=args.upgrade_from,
        progress=lambda line: None if args.json else print(line, file=sys.stderr, flush=True),
        pythons=args.python or (),
        dependencies_url=args.dependencies_index,
        find_links=Path(args.find_links) if args.find_links else None,
        in_container=args.container,
        system_packages=args.system_packages,
    )
    results, skipped, failed = run.results, run.skipped, run.failed
    lines = [
        f"  {'ok  ' if r.ok else 'FAIL'} {r.variant:<12} {r.python:<5} {r.installed or '-':<14} "
        + (r.problem or r.output)
        for r in results
    ]
    lines += [f"  skip {s}" for s in skipped]
    head = f"smoke {version} from {index_url}: {len(results) - len(failed)}/{len(results)} passed"
    emit(
        args,
        "\n".join([head, *lines]),
        {"version": version, "results": [r.as_dict() for r in results], "skipped": skipped},
    )
    if not results:
        raise StepFailed("no variant could be smoke-tested here: no matching local CPython")
    return 1 if failed else 0


def cmd_download(args: argparse.Namespace) -> int:
    from wheeltrain.stages.pipeline.steps import fetch_published

    project = edge.project(Path(args.project))
    config = load_config(project)
    version = validate_for_release(args.version).canonical
    client = index_client(args)
    dest = out_folder(args.dest, "--dest")
    written = fetch_published(client, config, selected(args, config), version, dest)
    emit(
        args,
        f"{len(written)} file(s) of {version} downloaded from {client.where}, sha256 verified"
        + "".join(f"\n  {p}" for p in written),
        {"version": version, "files": [str(p) for p in written]},
    )
    return 0
