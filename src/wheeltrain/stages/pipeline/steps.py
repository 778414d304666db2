"""The release pipeline after the tag is cut: build -> check -> publish -> verify -> smoke.

Each step is one function that the CLI commands (``wheeltrain build``, ``check``, ``publish``,
``verify --all-variants``, ``smoke``), the rehearsal and the workflows' steps share;
:func:`ship` runs them in order for one release.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from packaging.version import Version

from wheeltrain.adapters import builder
from wheeltrain.adapters.files import write_atomic
from wheeltrain.adapters.index import IndexClient
from wheeltrain.adapters.index import IndexFile as IndexFileT
from wheeltrain.core.config import TrainConfig, Variant, canonical_name
from wheeltrain.core.matrix import BuildTarget, expected_files, select_targets, variant_targets
from wheeltrain.errors import StepFailed, UsageError
from wheeltrain.stages.pipeline.check import CheckReport, check_files
from wheeltrain.stages.pipeline.publish import PublishReport, VerifyReport, publish, verify_release
from wheeltrain.stages.pipeline.smoke import (
    SmokeJob,
    SmokeResult,
    fetch_dependencies,
    install_system_packages,
    requirements_of,
    smoke_box,
    smoke_many,
)

__all__ = [
    "ShipReport",
    "SmokeRun",
    "build_targets",
    "build_variants",
    "check_step",
    "dependencies_step",
    "dist_files",
    "local_targets",
    "select",
    "ship",
    "smoke_step",
    "verify_all",
    "verify_step",
]

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def dist_files(folder: Path) -> list[Path]:
    """The built files under ``folder``; build logs (``logs/*.log``) are not part of a release."""
    found: list[Path] = []
    for top, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]  # never walked: .git, .find-links
        here = Path(top)
        for name in files:
            path = here / name
            if name.startswith(".") or (path.suffix == ".log" and here.name == "logs"):
                continue
            if path.is_file():
                found.append(path)
    return sorted(found)


def dist_root(folder: Path) -> Path:
    """A folder pip can use with ``--find-links``: the built files, flat, without logs."""
    flat = folder / ".find-links"
    flat.mkdir(exist_ok=True)
    for path in dist_files(folder):
        link = flat / path.name
        if not link.exists():
            link.symlink_to(path.resolve())
    return flat


def select(
    config: TrainConfig,
    event: str,
    *,
    variants: Sequence[str] = (),
    pythons: Sequence[str] = (),
    archs: Sequence[str] = (),
) -> list[BuildTarget]:
    """The builds of ``event``'s release, narrowed; refuses a selection that matches none."""
    targets = select_targets(config, event, variants=variants, pythons=pythons, archs=archs)
    if not targets:
        raise UsageError("the selection matches no build: check --variant, --python and --arch")
    return targets


def build_targets(
    variant: Variant, pythons: Sequence[str] = (), archs: Sequence[str] = ()
) -> list[BuildTarget]:
    """One variant's builds, narrowed to ``pythons`` and ``archs`` when given."""
    targets = variant_targets(variant, pythons, archs)
    if not targets:
        raise UsageError(f"--python/--arch match none of {variant.name}'s builds")
    return targets


def local_targets(
    targets: Sequence[BuildTarget], pythons: Sequence[str] = ()
) -> tuple[list[BuildTarget], list[str]]:
    """The targets this machine can build honestly, and why each other one is CI only."""
    local, ci_only = [], []
    for t in targets:
        why = builder.unbuildable_reason(t)
        # an abi3 or pure variant's one build serves every Python: --python narrows its smoke
        if why is None and pythons and t.python not in pythons and t.variant.kind == "platform":
            why = "not selected (--python)"
        if why is None:
            local.append(t)
        else:
            ci_only.append(f"{t.variant.name} {t.identifier}: {why}")
    return local, ci_only


def build_variants(
    root: Path,
    config: TrainConfig,
    targets: Sequence[BuildTarget],
    version: str,
    dist: Path,
    *,
    progress: Progress = _quiet,
) -> dict[str, builder.BuildReport]:
    """Build every variant of ``targets`` into ``dist/<variant>``, two variants side by side
    (each builds from its own copy of the project)."""
    by_variant: dict[str, list[BuildTarget]] = {}
    for t in targets:
        by_variant.setdefault(t.variant.name, []).append(t)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            name: pool.submit(
                builder.build_variant,
                root,
                config.variant(name),
                group,
                version,
                dist / name,
                sdist=name in config.sdist,
                progress=progress,
            )
            for name, group in by_variant.items()
        }
        return {name: future.result() for name, future in futures.items()}


def check_step(
    files: Sequence[Path],
    config: TrainConfig,
    targets: Sequence[BuildTarget],
    version: str,
    *,
    twine: bool = True,
) -> CheckReport:
    """The built files are exactly the release: names, tags, metadata, libraries."""
    return check_files(
        files, config, expected_files(config, targets, version), version, twine=twine
    )


def published_files(
    client: IndexClient, config: TrainConfig, targets: Sequence[BuildTarget], version: str
) -> dict[tuple[str, str, str | None, str | None], IndexFileT]:
    """The release's expected files the index has already, by what they are (distribution,
    kind, CPython, arch): a re-run of a release need not build them again."""
    from wheeltrain.core.filenames import InvalidFilename, parse_filename

    wanted = {f.key for f in expected_files(config, targets, version)}
    found: dict[tuple[str, str, str | None, str | None], IndexFileT] = {}
    for dist in sorted({key[0] for key in wanted}):
        for item in client.files(dist, version) or []:
            try:
                key = parse_filename(item.filename).key
            except InvalidFilename:
                continue
            if key in wanted:
                found[key] = item
    return found


def unpublished_targets(
    client: IndexClient, config: TrainConfig, targets: Sequence[BuildTarget], version: str
) -> tuple[list[BuildTarget], int]:
    """The targets whose wheel the index lacks, and how many it has already."""
    there = published_files(client, config, targets, version)
    keep = [t for t in targets if _wheel_key(config, t, version) not in there]
    return keep, len(targets) - len(keep)


def _wheel_key(
    config: TrainConfig, target: BuildTarget, version: str
) -> tuple[str, str, str | None, str | None]:
    return next(f.key for f in expected_files(config, [target], version, sdist=False))


def fetch_published(
    client: IndexClient,
    config: TrainConfig,
    targets: Sequence[BuildTarget],
    version: str,
    dest: Path,
) -> list[Path]:
    """Download the release's files the index has into ``dest/<variant>/``, each checked
    against the sha256 the index gives (a file without one is refused): the files a re-run
    did not build, for the check and the upload to see the whole release."""
    import hashlib

    by_dist = {canonical_name(v.distribution): v.name for v in config.variants}
    written = []
    for key, item in sorted(published_files(client, config, targets, version).items()):
        if not item.sha256:
            raise StepFailed(
                f"{item.filename}: {client.where} gives no sha256, so its copy cannot be "
                "verified: build it again instead"
            )
        body = client.download(item)
        if hashlib.sha256(body).hexdigest() != item.sha256:
            raise StepFailed(f"{item.filename}: the download does not match the index's sha256")
        folder = dest / by_dist[key[0]]
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / item.filename, body)
        written.append(folder / item.filename)
    return written


def verify_step(
    client: IndexClient,
    config: TrainConfig,
    targets: Sequence[BuildTarget],
    version: str,
    *,
    local: Sequence[Path] = (),
    wait: float = 0.0,
) -> VerifyReport:
    """Every expected file is on the index (sha256 as built when ``local`` is given), asking
    again every 10 s for up to ``wait`` seconds while the index catches up."""
    expected = expected_files(config, targets, version)
    deadline = time.monotonic() + max(0.0, wait)
    while True:
        report = verify_release(client, expected, version, local=local)
        if report.ok or time.monotonic() >= deadline:
            return report
        time.sleep(min(10.0, max(0.0, deadline - time.monotonic())))


def verify_all(
    client: IndexClient,
    config: TrainConfig,
    version: str,
    *,
    event: str,
    targets: Sequence[BuildTarget],
    local: Sequence[Path] = (),
    wait: float = 0.0,
) -> VerifyReport:
    """:func:`verify_step` for ``event``'s release, then every other variant of the project
    too: one the release does not include is reported as such (with whether the index has
    this version of it anyway), and a version that some distributions have and others lack is
    said in words."""
    report = verify_step(client, config, targets, version, local=local, wait=wait)
    included = {v.name for v in config.for_event(event)}
    for variant in config.variants:
        if variant.name in included:
            continue
        dist = canonical_name(variant.distribution)
        there = bool(client.files(dist, version))
        report.present[dist] = there
        how = ", ".join(variant.releases)
        report.notes.append(
            f"{dist}: not part of a {event} release (it is released by: {how}); "
            + (f"the index has {version} of it" if there else f"the index has no {version} of it")
        )
    have = sorted(d for d, there in report.present.items() if there)
    lack = sorted(d for d, there in report.present.items() if not there)
    if have and lack:
        report.notes.append(
            f"{version} exists only for {', '.join(have)}; {', '.join(lack)} "
            f"{'lacks' if len(lack) == 1 else 'lack'} it"
        )
    elif not have:
        report.notes.append(f"no distribution of the project has {version} on {client.where}")
    return report


@dataclass
class SmokeRun:
    results: list[SmokeResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    upgrades: dict[str, str] = field(default_factory=dict)  # variant -> the base it upgraded from

    @property
    def failed(self) -> list[SmokeResult]:
        return [r for r in self.results if not r.ok]


def _upgrade_paths(
    client: IndexClient, variants: Sequence[Variant], base: str, version: str, notes: list[str]
) -> dict[str, str]:
    """The variants whose upgrade from ``base`` can be checked: the index has ``base``, and no
    release newer than ``version`` that `pip install --upgrade` would take instead."""
    paths = {}
    for variant in variants:
        versions = client.versions(variant.distribution)
        if Version(base) not in versions:
            notes.append(f"{variant.name}: no upgrade check, {base} was never released")
        elif any(v > Version(version) for v in versions):
            notes.append(f"{variant.name}: no upgrade check, `--upgrade` reaches {max(versions)}")
        else:
            paths[variant.name] = base
    return paths


def _smoke_pairs(
    targets: Sequence[BuildTarget], pythons: Sequence[str]
) -> dict[tuple[str, str], Variant]:
    """(variant, CPython) pairs to smoke-test: each target's own CPython; every CPython of an
    abi3 or pure variant (narrowed to ``pythons``), since its one wheel serves them all."""
    wanted: dict[tuple[str, str], Variant] = {}
    for target in targets:
        variant = target.variant
        if variant.kind == "platform":
            wanted[(variant.name, target.python)] = variant
        else:
            for py in variant.python:
                if not pythons or py in pythons:
                    wanted[(variant.name, py)] = variant
    return wanted


def dependencies_step(
    files: Sequence[Path],
    config: TrainConfig,
    targets: Sequence[BuildTarget],
    dest: Path,
    *,
    pythons: Sequence[str] = (),
    progress: Progress = _quiet,
) -> tuple[int, int]:
    """Put what the built wheels depend on into ``dest`` (an index folder that holds only the
    release), for each CPython the smoke tests use; returns (requirements, files added)."""
    own = {canonical_name(v.distribution) for v in config.variants}
    wheels = [f for f in files if f.suffix == ".whl"]
    requirements = requirements_of(wheels, own)
    if not requirements:
        return 0, 0
    exes = sorted(
        {
            exe
            for _, py in _smoke_pairs(targets, pythons)
            if (exe := builder.find_python(py)) is not None
        }
    )
    added = fetch_dependencies(requirements, exes, dest, progress=progress)
    return len(requirements), added


def smoke_step(
    targets: Sequence[BuildTarget],
    version: str,
    index_url: str,
    *,
    upgrade_from: str | None = None,
    progress: Progress = _quiet,
    find_links: Path | None = None,
    pythons: Sequence[str] = (),
    dependencies_url: str | None = None,
    in_container: bool = False,
    system_packages: bool = False,
) -> SmokeRun:
    """Install each target's variant from ``index_url`` with that target's CPython and run its
    smoke command; with ``upgrade_from``, the upgrade path hotfix users take. With
    ``find_links`` (the built files' folder), the files are tested before any upload; with
    ``dependencies_url``, only the variant's own files come from ``index_url``. The one
    wheel of an abi3 or pure variant is tested with every CPython of the variant (narrowed to
    ``pythons`` when given). With ``in_container``, each variant is tested in a container
    with nothing of this machine but the CPythons (and, for a CUDA variant, the toolkit)."""
    run = SmokeRun()
    if upgrade_from is not None:
        variants = list({t.variant.name: t.variant for t in targets}.values())
        run.upgrades = _upgrade_paths(
            IndexClient(index_url), variants, upgrade_from, version, run.skipped
        )
    jobs = []
    for (name, python), variant in _smoke_pairs(targets, pythons).items():
        exe = builder.find_python(python)
        if exe is None:
            run.skipped.append(f"{name} {python}: CPython not installed here")
            continue
        jobs.append(SmokeJob(variant, exe, python, run.upgrades.get(name)))
    if system_packages and not in_container:
        wanted = sorted({p for job in jobs for p in job.variant.runtime_packages})
        if wanted:
            progress(f"installing the variants' runtime packages: {' '.join(wanted)}")
            install_system_packages(wanted)
    with ExitStack() as stack:
        boxes = {}
        if in_container:
            for variant in {job.variant.name: job.variant for job in jobs}.values():
                exes = [job.python_exe for job in jobs if job.variant.name == variant.name]
                progress(
                    f"smoke {variant.name}: starting a container without this machine's libraries"
                )
                boxes[variant.name] = stack.enter_context(smoke_box(variant, exes, find_links))
        run.results = smoke_many(
            jobs,
            version,
            index_url,
            progress=progress,
            find_links=find_links,
            dependencies_url=dependencies_url,
            boxes=boxes,
        )
    return run


@dataclass
class ShipReport:
    """What :func:`ship` did, step by step, for one release."""

    built: dict[str, list[Path]] = field(default_factory=dict)
    ci_only: list[str] = field(default_factory=list)
    checked: CheckReport | None = None
    published: PublishReport | None = None
    verified: VerifyReport | None = None
    smoke: SmokeRun | None = None


def ship(
    root: Path,
    config: TrainConfig,
    *,
    event: str,
    version: str,
    dist: Path,
    index_url: str,
    upload_url: str,
    pythons: Sequence[str] = (),
    upgrade_from: str | None = None,
    step: Callable[[str], AbstractContextManager[list[str]]] | None = None,
    progress: Progress = _quiet,
    dependencies: Path | None = None,
) -> ShipReport:
    """build -> check -> publish -> verify -> smoke, for the builds this machine can make.

    Nothing is uploaded before every file is built and checked; a step that fails raises and
    the later steps do not run. ``step(name)`` may return a context manager that receives a
    list of detail strings (the rehearsal times its stages with it). With ``dependencies``
    (the folder of an index that holds only the release, as a rehearsal's does), what the
    wheels depend on is downloaded there before the smoke tests.
    """

    def stage(name: str) -> AbstractContextManager[list[str]]:
        return step(name) if step is not None else nullcontext([])

    report = ShipReport()
    local, report.ci_only = local_targets(select_targets(config, event), pythons)
    if not local:
        raise StepFailed(f"nothing of the {event} release can be built here: all CI only")
    with stage("build") as detail:
        built = build_variants(root, config, local, version, dist, progress=progress)
        for name, result in built.items():
            report.built[name] = list(result.built)
            detail.append(f"{name}: {len(result.built)} file(s)")
        detail.append(f"{len(report.ci_only)} CI only")
    files = dist_files(dist)
    with stage("check") as detail:
        report.checked = check_step(files, config, local, version)
        if not report.checked.ok:
            raise StepFailed("; ".join(report.checked.problems))
        detail.append(f"{len(files)} file(s) ok")
    if dependencies is not None:
        with stage("dependencies") as detail:
            wanted, added = dependencies_step(
                files, config, local, dependencies, pythons=pythons, progress=progress
            )
            detail.append(
                f"{wanted} requirement(s), {added} file(s) added to the index"
                if wanted
                else "the wheels need nothing else"
            )
    with stage("smoke built files") as detail:
        # nothing reaches the index untested: each wheel, installed from the folder it was
        # built into, with each Python of the matrix, runs its smoke command first
        before = smoke_step(
            local,
            version,
            index_url,
            progress=progress,
            find_links=dist_root(dist),
            pythons=pythons,
        )
        if before.failed:
            raise StepFailed(
                "nothing was uploaded: "
                + "; ".join(f"{r.variant} {r.python}: {r.problem}" for r in before.failed)
            )
        detail.append(f"{len(before.results)} install(s) from the built files passed")
    client = IndexClient(index_url, timeout=10, attempts=3)
    with stage("publish") as detail:
        report.published = publish(
            files, version, upload_url=upload_url, client=client, progress=progress, config=config
        )
        detail.append(
            f"{len(report.published.uploaded)} uploaded, "
            f"{len(report.published.present)} already there"
        )
    with stage("verify") as detail:
        report.verified = verify_step(client, config, local, version, local=files)
        if not report.verified.ok:
            raise StepFailed("; ".join(report.verified.problems))
        detail.append(f"{len(report.verified.checked)} file(s) on the index, sha256 as built")
    with stage("smoke") as detail:
        report.smoke = smoke_step(
            local,
            version,
            index_url,
            upgrade_from=upgrade_from,
            progress=progress,
            pythons=pythons,
        )
        if report.smoke.failed:
            raise StepFailed(
                "; ".join(f"{r.variant} {r.python}: {r.problem}" for r in report.smoke.failed)
            )
        detail.append(f"{len(report.smoke.results)} install(s) passed")
    return report
