"""``wheeltrain init``: the workflows, commit rules and configuration, written into a repository.

Nothing that exists is overwritten without ``--force``, and a repository that already releases
from pushed ``v*`` tags keeps its own workflow for that (``release.yaml`` is not added beside it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import tomlkit

from wheeltrain.adapters.project import load_project
from wheeltrain.errors import ConfigError

__all__ = ["PROFILES", "InitReport", "init", "render_files", "trusted_publishers"]

PROFILES = ("mooncake", "single")
WORKFLOWS = ("monthly-release.yaml", "hotfix-release.yaml", "release.yaml")
ACTIONS = ("wheeltrain", "build", "check", "verify")
_TAG_TRIGGER = re.compile(r"^\s*tags(-ignore)?\s*:", re.MULTILINE)


def _template(*parts: str) -> str:
    return resources.files("wheeltrain.templates").joinpath(*parts).read_text(encoding="utf-8")


def render_files(install: str) -> dict[str, str]:
    """The files ``init`` writes, by path relative to the repository root.

    ``install`` is what the workflows pass to ``pip install`` to get wheeltrain (a pinned
    requirement such as ``wheeltrain==0.2.0``, or ``.`` for wheeltrain's own repository).
    """
    files = {
        f".github/workflows/{name}": _template(name).replace("@@INSTALL@@", install)
        for name in WORKFLOWS
    }
    for action in ACTIONS:
        files[f".github/actions/{action}/action.yml"] = _template(
            "actions", action, "action.yml"
        ).replace("@@INSTALL@@", install)
    files[".github/zizmor.yml"] = _template("zizmor.yml")
    files[".cz.toml"] = _template("cz.toml")
    files[".pre-commit-config.yaml"] = _template("pre-commit-config.yaml")
    files["RELEASE_QUICKSTART.md"] = _template("RELEASE_QUICKSTART.md")
    files["docs/RELEASE_PLAN.md"] = _template("RELEASE_PLAN.md")
    files["scripts/release_manager.py"] = _template("release_manager.py")
    return files


@dataclass
class InitReport:
    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"written": self.written, "kept": self.kept, "notes": self.notes}


def _tag_workflows(root: Path, ours: set[str]) -> list[str]:
    folder = root / ".github" / "workflows"
    found = []
    for path in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
        rel = str(path.relative_to(root))
        if rel in ours:
            continue
        if _TAG_TRIGGER.search(path.read_text(encoding="utf-8", errors="replace")):
            found.append(rel)
    return found


def _repository_url(root: Path) -> str:
    project = load_project(root)
    if project.repo_url:
        return project.repo_url + ".git"
    return "https://github.com/OWNER/REPOSITORY.git"


def init(
    root: Path,
    *,
    profile: str,
    install: str,
    force: bool = False,
    branch: str = "main",
    config: bool = True,
) -> InitReport:
    if profile not in PROFILES:
        raise ConfigError(f"unknown profile {profile!r}: use one of {', '.join(PROFILES)}")
    project = load_project(root)
    report = InitReport()
    files = render_files(install)
    tag_workflows = _tag_workflows(root, set(files))
    if tag_workflows and not force:
        files.pop(".github/workflows/release.yaml")
        report.notes.append(
            f"{', '.join(tag_workflows)} already release pushed tags: kept as they are, so "
            "release.yaml was not added (--force adds it; then disable the old trigger)"
        )
    for rel, text in files.items():
        path = root / rel
        if path.exists() and not force:
            report.kept.append(rel)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        report.written.append(rel)
    if config:
        _add_tables(root, project.name, profile, branch, force, report)
    return report


def _add_tables(
    root: Path, name: str, profile: str, branch: str, force: bool, report: InitReport
) -> None:
    path = root / "pyproject.toml"
    doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    tool = doc.setdefault("tool", tomlkit.table(is_super_table=True))
    import_name = re.sub(r"[^A-Za-z0-9_]", "_", name).lower()
    snippets = {
        "semantic_release": _template("semantic-release.toml")
        .replace("@@REMOTE@@", _repository_url(root))
        .replace("@@BRANCH@@", branch),
        "wheeltrain": _template("profiles", f"{profile}.toml")
        .replace("@@NAME@@", name)
        .replace("@@IMPORT@@", import_name),
    }
    changed = False
    for key, snippet in snippets.items():
        if key in tool and not force:
            report.kept.append(f"pyproject.toml [tool.{key}]")
            continue
        tool[key] = tomlkit.parse(snippet)["tool"][key]
        report.written.append(f"pyproject.toml [tool.{key}]")
        changed = True
    if changed:
        path.write_text(tomlkit.dumps(doc), encoding="utf-8")
    changelog = root / "CHANGELOG.md"
    if not changelog.exists():
        changelog.write_text("# Changelog\n\n<!-- version list -->\n", encoding="utf-8")
        report.written.append("CHANGELOG.md")


def trusted_publishers(distributions: list[str], repository: str) -> list[dict[str, str]]:
    """The PyPI trusted publishers a maintainer registers: one per distribution and workflow
    that publishes (the publish job sits in each top-level workflow), environment ``pypi``."""
    owner, _, repo = repository.partition("/")
    return [
        {
            "distribution": dist,
            "owner": owner,
            "repository": repo,
            "workflow": workflow,
            "environment": "pypi",
        }
        for dist in distributions
        for workflow in WORKFLOWS
    ]
