"""The rehearsal: a whole release run, end to end, on a throwaway clone and an embedded index.

monthly:  plan -> semantic-release proves it -> stamp, changelog, tag -> build -> check -> publish -> verify
          -> smoke
hotfix:   start -> fix -> plan -> stamp, changelog, tag, branch -> build -> check -> publish
          -> verify -> smoke with the upgrade path from the monthly release

Everything happens inside one temporary folder (the clone, the built files, the index, pip's
cache); the index is stopped and the folder removed at the end. What this machine cannot build
honestly (another architecture, a CUDA toolkit it does not have) is listed as CI only.
"""

from __future__ import annotations

import os
import platform
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.version import Version

from wheeltrain.adapters import builder
from wheeltrain.adapters.git import Git
from wheeltrain.adapters.localindex import LocalIndex, local_index
from wheeltrain.adapters.proc import child_environment
from wheeltrain.adapters.project import load_project
from wheeltrain.core.config import TrainConfig, parse_config
from wheeltrain.core.tags import tag_name
from wheeltrain.core.text import fold
from wheeltrain.core.versioning import BumpLevel
from wheeltrain.errors import ConfigError, StepFailed, WheeltrainError
from wheeltrain.stages.pipeline.steps import ship
from wheeltrain.stages.release import hotfix as hotfix_release
from wheeltrain.stages.release import monthly

__all__ = ["RehearsalReport", "rehearse"]


@dataclass
class Stage:
    release: str
    name: str
    seconds: float
    detail: str


@dataclass
class ReleaseSummary:
    kind: str
    version: str
    files: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # variant -> files
    ci_only: list[str] = field(default_factory=list)
    smoke: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "version": self.version,
            "files": {v: [{"name": n, "bytes": b} for n, b in fs] for v, fs in self.files.items()},
            "ci_only": self.ci_only,
            "smoke": self.smoke,
        }


@dataclass
class RehearsalReport:
    project: str
    history: str
    stages: list[Stage] = field(default_factory=list)
    releases: list[ReleaseSummary] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "project": self.project,
            "history": self.history,
            "releases": [r.as_dict() for r in self.releases],
            "stages": [
                {
                    "release": s.release,
                    "stage": s.name,
                    "seconds": round(s.seconds, 2),
                    "detail": s.detail,
                }
                for s in self.stages
            ],
            "total_seconds": round(sum(s.seconds for s in self.stages), 2),
        }


class _Run:
    def __init__(self, report: RehearsalReport, progress: Callable[[str], None]) -> None:
        self.report = report
        self.progress = progress
        self.release = ""

    @contextmanager
    def stage(self, name: str) -> Iterator[list[str]]:
        """Time a stage; a failure inside it names the stage."""
        detail: list[str] = []
        start = time.monotonic()
        self.progress(f"[{self.release}] {name} ...")
        try:
            yield detail
        except WheeltrainError as exc:
            # the same kind of error (bad configuration stays exit 2), with the stage named
            raise type(exc)(f"rehearsal failed at {self.release}/{name}: {exc}") from None
        seconds = time.monotonic() - start
        text = "; ".join(detail)
        self.report.stages.append(Stage(self.release, name, seconds, text))
        self.progress(f"[{self.release}] {name}: {text or 'done'} ({seconds:.1f} s)")


def _clone(project: Path, dest: Path) -> str:
    """A throwaway git repository of ``project``; returns how its history was made."""
    top = None
    if (project / ".git").exists():
        top = Git.discover(project).root
    if top is not None and top.resolve() == project.resolve():
        Git(dest.parent).run_git("clone", "-q", "--no-local", str(project), str(dest))
        if Git(project).status_porcelain().strip():
            return "a clone of the project's repository at HEAD (uncommitted changes left out)"
        return "a clone of the project's repository"
    builder.copy_project(project, dest)
    git = Git(dest)
    git.run_git("init", "-q", "-b", "main")
    return "scripted (the project is not a git repository of its own)"


def _identity(git: Git) -> None:
    """Commits in the clone need an author; a machine may have none configured."""
    for key, value in (
        ("user.name", "wheeltrain rehearsal"),
        ("user.email", "rehearsal@wheeltrain.invalid"),
    ):
        if not git.run_git("config", "--get", key, check=False).strip():
            git.run_git("config", key, value)


def _change(git: Git, message: str) -> None:
    note = git.root / "REHEARSAL.md"
    with note.open("a", encoding="utf-8") as fh:
        fh.write(f"- {message}\n")
    git.add(["REHEARSAL.md"])
    git.commit(message)


def _release_files(
    run: _Run,
    summary: ReleaseSummary,
    *,
    clone: Path,
    config: TrainConfig,
    event: str,
    version: str,
    dist: Path,
    index: LocalIndex,
    pythons: Sequence[str],
    upgrade_from: str | None,
) -> None:
    """The shared pipeline (build -> check -> publish -> verify -> smoke) on the local index."""
    shipped = ship(
        clone,
        config,
        event=event,
        version=version,
        dist=dist,
        index_url=index.simple_url,
        upload_url=index.upload_url,
        pythons=pythons,
        upgrade_from=upgrade_from,
        step=run.stage,
        progress=run.progress,
        dependencies=index.packages,
    )
    summary.ci_only = shipped.ci_only
    summary.files = {
        name: [(p.name, p.stat().st_size) for p in files] for name, files in shipped.built.items()
    }
    smoke = shipped.smoke
    for result in smoke.results if smoke else []:
        upgrade = result.upgraded_from
        how = f"upgrade {upgrade} -> {version}" if upgrade else f"install {version}"
        summary.smoke.append(f"{result.variant} {result.python}: {how}: {result.output}")


def rehearse(
    project: Path,
    *,
    pythons: Sequence[str] = (),
    keep: bool = False,
    nightly: bool = False,
    progress: Callable[[str], None] = lambda _: None,
) -> RehearsalReport:
    """A monthly release and a hotfix of ``project`` (with ``nightly``: a nightly, then the
    next night with no new commit), each built, checked, smoke-tested, published to a local
    index, verified and smoke-tested from it."""
    removed = remove_killed_rehearsals()
    if removed:
        progress(f"removed {removed} folder(s) left by rehearsals that were killed")
    if not (project / "pyproject.toml").is_file():
        raise ConfigError(f"{project} has no pyproject.toml: give --project the project's root")
    config_table = load_project(project).wheeltrain
    if config_table is None:
        raise ConfigError(f"{project}/pyproject.toml has no [tool.wheeltrain] table")
    parse_config(config_table)  # bad configuration: exit 2 before anything starts
    work = Path(tempfile.mkdtemp(prefix=_PREFIX))
    (work / _OWNER).write_text(str(os.getpid()), encoding="ascii")
    try:
        with _inside(work):
            return _rehearse(project.resolve(), work, pythons, progress, nightly=nightly)
    except WheeltrainError as exc:
        if keep or str(work) not in exc.message:
            raise
        # the folder goes away below: never name a log inside it
        raise type(exc)(_without_folder(exc.message, str(work))) from None
    finally:
        if keep:
            (work / _OWNER).unlink(missing_ok=True)  # kept on purpose: never removed as stale
            progress(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def _without_folder(message: str, folder: str) -> str:
    """``message`` with each path inside ``folder`` (removed when the rehearsal ends) replaced
    by how to keep it."""
    import re

    inside = re.escape(folder) + r"[^\s;:,)]*"
    message = re.sub(
        r"(the whole )?log: " + inside, "its log is kept by a re-run with --keep", message
    )
    return re.sub(inside, "(in the rehearsal's folder: a re-run with --keep keeps it)", message)


_PREFIX = "wheeltrain-rehearsal-"
_OWNER = "owner.pid"


def remove_killed_rehearsals() -> int:
    """Remove the temporary folders of rehearsals whose process is gone (killed with
    SIGKILL, which no ``finally`` survives); their index died with them. Returns how many."""
    removed = 0
    for folder in Path(tempfile.gettempdir()).glob(f"{_PREFIX}*"):
        try:
            pid = int((folder / _OWNER).read_text(encoding="ascii"))
        except (OSError, ValueError):
            continue  # not ours to judge: no owner written (yet)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
        except PermissionError:
            continue  # alive, another user's
    return removed


@contextmanager
def _inside(work: Path) -> Iterator[None]:
    """Point the home and caches of every tool the rehearsal starts into ``work``: pip,
    for one, writes a cache and even runs ``rustc --version`` (through rustup, which writes
    ``~/.rustup``) for its user agent. Temporary folders (the build copies, cibuildwheel's)
    are made inside ``work`` too, so that one folder holds everything a killed rehearsal
    leaves."""
    home = work / "home"
    home.mkdir()
    scratch = work / "tmp"
    scratch.mkdir()
    values = {
        "HOME": str(home),
        "TMPDIR": str(scratch),
        "XDG_CACHE_HOME": str(work / "cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "PIP_CACHE_DIR": str(work / "cache" / "pip"),
        # local CPythons are found through pyenv: keep its root where it was
        "PYENV_ROOT": os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv")),
    }
    saved_tempdir = tempfile.tempdir
    tempfile.tempdir = str(scratch)  # this process's own temporary folders
    try:
        with child_environment(values):  # every tool wheeltrain starts; os.environ untouched
            yield
    finally:
        tempfile.tempdir = saved_tempdir


def _rehearse(
    project: Path,
    work: Path,
    pythons: Sequence[str],
    progress: Callable[[str], None],
    *,
    nightly: bool = False,
) -> RehearsalReport:
    clone = work / "project"
    history = _clone(project, clone)
    report = RehearsalReport(project=str(project), history=history)
    run = _Run(report, progress)
    git = Git(clone)
    _identity(git)
    if history.startswith("scripted"):
        imported = load_project(clone)
        first = tag_name(imported.tag_format, imported.version)  # the project's own tag names
        git.run_git("add", "-A")
        git.commit("chore: import the project")
        git.tag_annotated(first, first)
        _change(git, "fix(engine): handle empty buffers")
        _change(git, "feat(engine): checksum on the GPU")
    config = parse_config(load_project(clone).wheeltrain or {})
    with local_index(work / "index" / "packages") as index:
        progress(f"local index on {index.simple_url}")
        if nightly:
            _nightly(run, report, clone=clone, config=config, work=work, index=index,
                     pythons=pythons)  # fmt: skip
            return report
        # --- the monthly release ---------------------------------------------------------
        run.release = "monthly"
        with run.stage("plan") as detail:
            plan = monthly.make_plan(clone)
            forced = None
            if not plan.release:
                forced = BumpLevel.PATCH
                plan = monthly.make_plan(clone, forced)
                detail.append("nothing releasable: forced a patch release")
            detail.append(f"{plan.last_tag or '(none)'} -> {plan.next_version} ({plan.reason})")
        with run.stage("stamp, changelog, tag") as detail:
            result = monthly.release(clone, plan, push=False)
            version = str(result.version)
            detail.append(
                f"cut {result.tag}" + (f", {result.proven_by} agreeing" if result.proven_by else "")
            )
        summary = ReleaseSummary("monthly", version)
        report.releases.append(summary)
        _release_files(
            run,
            summary,
            clone=clone,
            config=config,
            event="monthly",
            version=version,
            dist=work / "dist" / "monthly",
            index=index,
            pythons=pythons,
            upgrade_from=None,
        )
        # --- a hotfix on the hotfix branch ----------------------------------------------
        run.release = "hotfix"
        with run.stage("start, fix, plan") as detail:
            branch, _, _ = hotfix_release.start(clone, version, switch=True)
            _change(git, "fix(engine): do not drop the last byte")
            hot = hotfix_release.make_plan(
                clone,
                version,
                description="Rehearsal hotfix: do not drop the last byte.",
                index_url=index.simple_url,
            )
            detail.append(f"{hot.version} on {branch}")
        with run.stage("stamp, changelog, tag") as detail:
            hotfix_release.release(clone, hot, push=False)
            detail.append(f"{hot.tag} and {hot.tracking_branch}")
        hot_summary = ReleaseSummary("hotfix", hot.version)
        report.releases.append(hot_summary)
        _release_files(
            run,
            hot_summary,
            clone=clone,
            config=config,
            event="hotfix",
            version=hot.version,
            dist=work / "dist" / "hotfix",
            index=index,
            pythons=pythons,
            upgrade_from=version,
        )
    return report


def _nightly(
    run: _Run,
    report: RehearsalReport,
    *,
    clone: Path,
    config: TrainConfig,
    work: Path,
    index: LocalIndex,
    pythons: Sequence[str],
) -> None:
    """Tonight's nightly of every variant to the index, then the next night: no new commit,
    nothing published."""
    from wheeltrain.stages.release import nightly

    run.release = "nightly"
    with run.stage("plan") as detail:
        plan = nightly.make_plan(clone)
        if not plan.release:
            raise StepFailed(f"the rehearsal's history has nothing for a nightly: {plan.reason}")
        detail.append(f"{plan.version} ({plan.reason})")
    summary = ReleaseSummary("nightly", plan.version)
    report.releases.append(summary)
    _release_files(
        run,
        summary,
        clone=clone,
        config=config,
        event="nightly",
        version=plan.version,
        dist=work / "dist" / "nightly",
        index=index,
        pythons=pythons,
        upgrade_from=None,
    )
    run.release = "next night"
    with run.stage("plan") as detail:
        before = sorted(p.name for p in index.packages.iterdir())
        import datetime

        tomorrow = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
        again = nightly.make_plan(
            clone,
            date=tomorrow.strftime("%Y%m%d"),
            last_commit=Git(clone).head(),
            published=[Version(plan.version)],
        )
        if again.release:
            raise StepFailed(f"a night with no new commit would publish {again.version}")
        if sorted(p.name for p in index.packages.iterdir()) != before:
            raise StepFailed("the index changed on a night with no new commit")
        detail.append(f"nothing published: {again.reason}")


def render(report: RehearsalReport) -> str:
    lines = [f"rehearsal of {report.project} (history: {report.history})", ""]
    lines.append("| release | version | variant | files | size |")
    lines.append("|---|---|---|---:|---:|")
    for rel in report.releases:
        for variant, files in rel.files.items():
            size = sum(b for _, b in files)
            lines.append(
                f"| {rel.kind} | {rel.version} | {variant} | {len(files)} | "
                f"{size / 1024:,.0f} KiB |"
            )
    lines += ["", "| release | stage | seconds | detail |", "|---|---|---:|---|"]
    for s in report.stages:
        lines.append(f"| {s.release} | {s.name} | {s.seconds:.1f} | {s.detail} |")
    total = sum(s.seconds for s in report.stages)
    lines.append(f"| | total | {total:.1f} | |")
    for rel in report.releases:
        lines += ["", f"{rel.kind} {rel.version}, smoke tests:"]
        lines += [f"  {line}" for line in rel.smoke]
        if rel.ci_only:
            lines.append(f"{rel.kind} {rel.version}, not built here ({len(rel.ci_only)}):")
            grouped: dict[str, list[str]] = {}
            for line in rel.ci_only:
                build, _, why = line.partition(": ")
                grouped.setdefault(why, []).append(build)
            for why, builds in grouped.items():
                lines += fold(f"{why}: {', '.join(builds)}", indent="  ")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    return {
        "arch": platform.machine(),
        "container_engine": builder.container_engine(),
        "nvcc": builder.nvcc_release(),
    }
