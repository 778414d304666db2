"""``wheeltrain init``: the workflows, commit rules and configuration, written into a repository.

Nothing that exists is overwritten without ``--force``, and a repository that already releases
from pushed ``v*`` tags keeps its own workflow for that (``release.yaml`` is not added beside it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import tomlkit

from wheeltrain.adapters.files import write_atomic
from wheeltrain.adapters.git import Git
from wheeltrain.adapters.index import IndexClient
from wheeltrain.adapters.project import load_project
from wheeltrain.core.config import canonical_name, parse_config
from wheeltrain.core.history import Shipped, differences, proposal, shipped
from wheeltrain.core.tags import tag_name
from wheeltrain.core.triggers import starts_on_tag
from wheeltrain.errors import ConfigError, StepFailed, UsageError, WheeltrainError

__all__ = ["PROFILES", "InitReport", "init", "render_files", "trusted_publishers"]

PROFILES = ("mooncake", "single")
WORKFLOWS = (
    "monthly-release.yaml",
    "hotfix-release.yaml",
    "release.yaml",
    "backfill.yaml",
    "nightly.yaml",
)
#: The release events each workflow builds: a variant is published by the workflows with an
#: event among its ``releases`` (a re-pushed tag releases what its monthly or hotfix did).
WORKFLOW_EVENTS = {
    "monthly-release.yaml": ("monthly",),
    "hotfix-release.yaml": ("hotfix",),
    "release.yaml": ("monthly", "hotfix"),
    "backfill.yaml": ("manual",),
    "nightly.yaml": ("nightly",),
}
#: Where each workflow publishes: (index, GitHub environment).
WORKFLOW_INDEX = {"nightly.yaml": ("testpypi", "testpypi")}
ACTIONS = (
    "wheeltrain-setup",
    "wheeltrain-build",
    "wheeltrain-check",
    "wheeltrain-verify",
    "wheeltrain-receipt",
)


def _template(*parts: str) -> str:
    return resources.files("wheeltrain.templates").joinpath(*parts).read_text(encoding="utf-8")


def render_files(install: str, changelog_file: str = "CHANGELOG.md") -> dict[str, str]:
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
    files[".github/dependabot.yml"] = _template("dependabot.yml")
    files[".cz.toml"] = _template("cz.toml")
    files[".pre-commit-config.yaml"] = _template("pre-commit-config.yaml")
    files["RELEASE_QUICKSTART.md"] = _template("RELEASE_QUICKSTART.md")
    files["docs/RELEASE_PLAN.md"] = _template("RELEASE_PLAN.md")
    files["scripts/release_manager.py"] = _template("release_manager.py")
    files[".github/workflows/pr-title.yaml"] = _template("pr-title.yaml")
    files[f"{TEMPLATE_DIR}/{changelog_file}.j2"] = _template("changelog", "CHANGELOG.md.j2")
    return files


#: Where ``init`` installs semantic-release's changelog template (a folder no common ignore
#: rule hides; ``build/`` swallowed ``.github/actions/build`` in a real project).
TEMPLATE_DIR = ".github/wheeltrain/changelog"
_VERSION_ASSIGNMENT = r"^[[:space:]]*__version__[[:space:]]*(:[^=]*)?=[[:space:]]*[\"'][^\"']+[\"']"
_TOKEN_SECRET = re.compile(r"secrets\.(PYPI_API_TOKEN|PYPI_TOKEN|PYPI_PASSWORD)\b")


@dataclass
class InitReport:
    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    found: dict[str, list[str]] = field(default_factory=dict)
    todo: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "written": self.written,
            "kept": self.kept,
            "notes": self.notes,
            "found": self.found,
            "todo": self.todo,
        }


#: What every workflow wheeltrain writes carries: a file without it is the project's own.
_OURS = ("./.github/actions/wheeltrain-", "Written by `wheeltrain init`")


def _beside_project_workflows(root: Path, files: dict[str, str]) -> dict[str, str]:
    """A project workflow that has a template's name is never replaced: the template is
    written as ``wheeltrain-<name>`` instead, and the other templates name it so (the
    receipt's list of publishing workflows). Returns {the project's file: wheeltrain's}."""
    renamed: dict[str, str] = {}
    for rel in sorted(files):
        if not rel.startswith(".github/workflows/"):
            continue
        path = root / rel
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if any(mark in text for mark in _OURS):
            continue
        mine = rel.replace(".github/workflows/", ".github/workflows/wheeltrain-", 1)
        files[mine] = files.pop(rel)
        renamed[rel] = mine
    if renamed:
        names = {Path(a).name: Path(b).name for a, b in renamed.items()}
        pattern = re.compile(r"^(\s*workflows: )(.*)$", re.MULTILINE)
        for rel, text in files.items():
            files[rel] = pattern.sub(
                lambda m: m[1] + " ".join(names.get(w, w) for w in m[2].split()), text
            )
    return renamed


def _encodable(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(
            "an argument holds bytes that are not UTF-8 (given in another encoding?): "
            "nothing was written"
        ) from None


def _starts_on_tag(text: str, tag: str) -> bool:
    """Whether the workflow ``text`` starts when ``tag`` is pushed, from its parsed ``on:``
    block (YAML 1.2, so ``on`` stays a key); a file that does not parse is counted as one
    that may, and said so by the caller's list."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe", pure=True).load(text)
    except (YAMLError, ValueError, RecursionError):
        return True
    if not isinstance(data, dict):
        return False
    return starts_on_tag(data.get("on", data.get(True)), tag)


def _workflow_texts(root: Path, ours: set[str]) -> dict[str, str]:
    folder = root / ".github" / "workflows"
    texts = {}
    for path in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
        rel = str(path.relative_to(root))
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if rel not in ours or not any(mark in text for mark in _OURS):
            texts[rel] = text
    return texts


def _repository_url(root: Path) -> str:
    project = load_project(root)
    if project.repo_url:
        return project.repo_url + ".git"
    return "https://github.com/OWNER/REPOSITORY.git"


def version_locations(root: Path, version: str, git: Git | None) -> tuple[list[str], list[str]]:
    """Every tracked file that holds the project version: ``[project].version`` of any
    ``pyproject.toml`` and ``__version__`` assignments, as semantic-release names them."""
    from wheeltrain.adapters.project import read_toml
    from wheeltrain.core.stamping import read_variable

    tomls = ["pyproject.toml:project.version"]
    variables: list[str] = []
    if git is None:
        return tomls, variables
    for rel in git.ls_files("pyproject.toml", "**/pyproject.toml"):
        if rel == "pyproject.toml":
            continue
        try:
            data = read_toml(root / rel)
        except WheeltrainError:
            continue
        table = data.get("project")
        if isinstance(table, dict) and table.get("version") == version:
            tomls.append(f"{rel}:project.version")
    proc = git.run_git("grep", "-l", "-E", _VERSION_ASSIGNMENT, "--", "*.py", check=False)
    for rel in sorted(filter(None, proc.splitlines())):
        try:
            text = (root / rel).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if version in read_variable(text, "__version__"):
            variables.append(f"{rel}:__version__")
    return tomls, variables


def add_commit_msg_hook(text: str, hook: str) -> str | None:
    """``text`` (an existing ``.pre-commit-config.yaml``) with wheeltrain's commit-msg hook
    added and every existing byte kept; ``None`` when a commitizen hook is there already.

    The hook's ``- repo: local`` entry is appended to the ``repos:`` list in the list's own
    indentation, and ``commit-msg`` is added to ``default_install_hook_types`` (or the key
    is added) so that a plain ``pre-commit install`` installs it.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="rt")
    try:
        data = yaml.load(text)
    except YAMLError as exc:
        raise ConfigError(
            f".pre-commit-config.yaml is not valid YAML ({exc}): fix it first"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("repos", []), list):
        raise ConfigError(".pre-commit-config.yaml has no repos: list: fix it first")
    for repo in data.get("repos", []):
        for entry in repo.get("hooks", []) if isinstance(repo, dict) else []:
            if isinstance(entry, dict) and (
                entry.get("id") in ("commitizen", "conventional-commit-message")
                or "cz check" in str(entry.get("entry", ""))
            ):
                return None
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    body = hook.split("repos:\n", 1)[1]  # our template's "  - repo: local" block
    block = body.splitlines(keepends=True)
    items = [ln for ln in lines if re.match(r"^\s*- +repo:", ln)]
    indent = re.match(r"^(\s*)-", items[0])[1] if items else "  "  # type: ignore[index]
    ours = re.match(r"^(\s*)-", block[0])[1]  # type: ignore[index]
    block = [indent + ln[len(ours) :] if ln.startswith(ours) else ln for ln in block]
    if "repos" not in data:
        lines.append("repos:\n")
        insert_at = len(lines)
    else:
        start = next(k for k, ln in enumerate(lines) if re.match(r"^repos\s*:", ln))
        insert_at = len(lines)
        for k in range(start + 1, len(lines)):  # the list ends at the next top-level key
            if re.match(r"^[A-Za-z_][\w-]*\s*:", lines[k]):
                insert_at = k
                break
        while insert_at > start + 1 and not lines[insert_at - 1].strip():
            insert_at -= 1
    lines[insert_at:insert_at] = block
    types = data.get("default_install_hook_types")
    if types is None:
        repos_line = next(
            (k for k, ln in enumerate(lines) if re.match(r"^repos\s*:", ln)), len(lines)
        )
        lines.insert(repos_line, "default_install_hook_types: [pre-commit, commit-msg]\n")
    elif isinstance(types, list) and "commit-msg" not in types:
        k = next(k for k, ln in enumerate(lines) if ln.startswith("default_install_hook_types"))
        inline = re.match(
            r"^(default_install_hook_types\s*:\s*\[)(.*)(\].*)$", lines[k].rstrip("\n")
        )
        if inline is None:
            raise ConfigError(
                ".pre-commit-config.yaml: add commit-msg to default_install_hook_types by hand"
            )
        lines[k] = f"{inline[1]}{inline[2]}, commit-msg{inline[3]}\n"
    new = "".join(lines)
    check = yaml.load(new)
    if len(check.get("repos", [])) != len(data.get("repos", [])) + 1:
        raise ConfigError(
            ".pre-commit-config.yaml could not be extended safely: add the hook by hand"
        )
    return new


def _other_distributions(root: Path, git: Git | None, name: str, ours: set[str]) -> list[str]:
    """Distribution names the repository's release scripts use besides ``ours``."""
    if git is None:
        return []
    pattern = re.compile(r"(?<![\w-])" + re.escape(name) + r"(?:-[a-z0-9]+)+(?![\w.-])")
    found: set[str] = set()
    for rel in git.ls_files(".github/**", "scripts/**", "*.sh"):
        try:
            text = (root / rel).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found.update(m.lower() for m in pattern.findall(text))
    return sorted(found - {canonical_name(d) for d in ours} - {name})


def init(
    root: Path,
    *,
    profile: str,
    install: str,
    force: bool = False,
    branch: str = "main",
    config: bool = True,
    history: IndexClient | None = None,
    dry_run: bool = False,
) -> InitReport:
    """Write the release files into ``root``: everything is checked first, then all is
    written (a path that exists as a folder, an ignored path or a bad existing file stops
    ``init`` before it writes anything). With ``history`` (an index), what each variant's
    distribution has really shipped is read and every difference from the table is listed;
    the single-distribution table is proposed from the project's own latest release."""
    if profile not in PROFILES:
        raise ConfigError(f"unknown profile {profile!r}: use one of {', '.join(PROFILES)}")
    project = load_project(root)
    try:
        git: Git | None = Git.discover(root)
    except ConfigError:
        git = None
    report = InitReport()
    settings = project.settings
    files = render_files(install, settings.changelog_file)
    renamed = _beside_project_workflows(root, files)
    workflows = _workflow_texts(root, set(files))
    example_tag = tag_name(settings.tag_format, project.version)
    tag_workflows = [rel for rel, text in workflows.items() if _starts_on_tag(text, example_tag)]
    if tag_workflows and not force:
        files.pop(renamed.get(".github/workflows/release.yaml", ".github/workflows/release.yaml"))
        report.notes.append(
            f"{', '.join(tag_workflows)} already release pushed tags: kept as they are, so "
            "release.yaml was not added (--force adds it; then disable the old trigger)"
        )
    for theirs, mine in renamed.items():
        report.notes.append(
            f"{theirs} is the project's own workflow: kept byte for byte (also with --force)"
            + (f"; wheeltrain's goes to {mine}" if mine in files else "")
        )
    # Decide every write before making any.
    writes: dict[str, str] = {}
    for rel, text in files.items():
        path = root / rel
        if rel == ".pre-commit-config.yaml" and path.is_file() and not force:
            merged = add_commit_msg_hook(path.read_text(encoding="utf-8"), text)
            if merged is None:
                report.kept.append(rel)
            else:
                writes[rel] = merged
            continue
        if path.exists() and not force:
            report.kept.append(rel)
            continue
        writes[rel] = text
    if ".github/dependabot.yml" in report.kept:
        report.todo.append(
            ".github/dependabot.yml exists and was kept: add updates for package-ecosystem "
            "github-actions (directories / and /.github/actions/*) and pip (directory "
            "/.github/wheeltrain), so the pinned actions and tools stay current"
        )
    tomls, variables = version_locations(root, project.version, git)
    report.found["version locations"] = [*tomls, *variables]
    changelog = settings.changelog_file
    if config and not (root / changelog).exists():
        writes[changelog] = f"# Changelog\n\n{settings.insertion_flag}\n"
    for rel in writes:
        path = root / rel
        if path.is_dir():
            raise ConfigError(f"{rel} is a folder where init writes a file: move it and retry")
        for parent in Path(rel).parents:
            if parent != Path() and (root / parent).exists() and not (root / parent).is_dir():
                raise ConfigError(
                    f"{parent} is a file where init needs a folder: move it and retry"
                )
    hidden = git.ignored(sorted(writes)) if git is not None else []
    if hidden:
        raise ConfigError(
            f"the repository's ignore rules would hide {', '.join(hidden)}: change the "
            ".gitignore rule (or add a `!` exception) and retry"
        )
    past = _History(history, report)
    proposed = proposal(past.of(project.name)) if history and profile == "single" else {}
    pyproject_text = (
        _tables(root, project.name, profile, branch, force, report, tomls, variables, proposed)
        if config
        else None
    )
    if history is not None:
        past.compare(pyproject_text or (root / "pyproject.toml").read_text(encoding="utf-8"))
    # every text is encoded before the first file changes, and each file is replaced whole
    for text in [*writes.values(), pyproject_text or ""]:
        _encodable(text)
    if dry_run:  # every check above was made; what would be written is said, nothing is
        for rel in writes:
            if (root / rel).is_file():
                report.notes.append(f"would replace {rel} (kept as {rel}.before-wheeltrain)")
        report.written = [*writes, *report.written]
        _findings(root, git, project.name, workflows, tag_workflows, report)
        return report
    for rel, text in writes.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_file() and path.read_bytes() != text.encode("utf-8"):
            # --force: what it replaces is said, and kept beside it
            kept = path.with_name(path.name + ".before-wheeltrain")
            write_atomic(kept, path.read_bytes())
            report.notes.append(f"replaced {rel}; the file it was is kept as {kept.name}")
        write_atomic(path, text)
        report.written.append(rel)
    if pyproject_text is not None:
        write_atomic(root / "pyproject.toml", pyproject_text)
    _findings(root, git, project.name, workflows, tag_workflows, report)
    return report


def _tables(
    root: Path,
    name: str,
    profile: str,
    branch: str,
    force: bool,
    report: InitReport,
    tomls: list[str],
    variables: list[str],
    proposed: Mapping[str, object] | None = None,
) -> str | None:
    """The new pyproject.toml text with the two tables, or None when nothing changes;
    ``proposed`` replaces the profile's top-level settings (python, archs) and its
    variants' max-platform (read from the index's history)."""
    path = root / "pyproject.toml"
    doc = _parse_toml(path)
    tool = doc.setdefault("tool", tomlkit.table(is_super_table=True))
    import_name = re.sub(r"[^A-Za-z0-9_]", "_", name).lower()
    snippets = {
        "semantic_release": _template("semantic-release.toml")
        .replace("@@REMOTE@@", _toml_string(_repository_url(root)))
        .replace("@@BRANCH@@", _toml_string(branch))
        .replace("@@TEMPLATE_DIR@@", TEMPLATE_DIR),
        "wheeltrain": _template("profiles", f"{profile}.toml")
        .replace("@@NAME@@", _toml_string(name))
        .replace("@@IMPORT@@", import_name),
    }
    changed = False
    for key, snippet in snippets.items():
        if key in tool and not force:
            report.kept.append(f"pyproject.toml [tool.{key}]")
            continue
        table = tomlkit.parse(snippet)["tool"][key]
        if key == "wheeltrain" and proposed:
            for setting in ("python", "archs"):
                if setting in proposed:
                    table[setting] = proposed[setting]
            if "max-platform" in proposed:
                for variant in table.get("variants", {}).values():
                    variant["max-platform"] = proposed["max-platform"]
            report.notes.append(
                "the [tool.wheeltrain] table follows the latest release on the index: "
                + ", ".join(f"{k} = {v}" for k, v in proposed.items())
            )
        if key == "semantic_release":
            table["version_toml"] = tomls
            if variables:
                table["version_variables"] = variables
        tool[key] = table
        report.written.append(f"pyproject.toml [tool.{key}]")
        changed = True
    return tomlkit.dumps(doc) if changed else None


class _History:
    """What the index holds of each distribution, read once each; a failure to read is said
    in the report, never a stop (the files are written all the same)."""

    def __init__(self, client: IndexClient | None, report: InitReport) -> None:
        self.client = client
        self.report = report
        self.seen: dict[str, Shipped] = {}
        self.failed = False

    def of(self, distribution: str) -> Shipped:
        if distribution not in self.seen:
            files: list[str] = []
            if self.client is not None and not self.failed:
                try:
                    files = [f.filename for f in self.client.project_files(distribution)]
                except StepFailed as exc:
                    self.failed = True
                    self.report.notes.append(f"the index's history was not read: {exc}")
            self.seen[distribution] = shipped(distribution, files)
        return self.seen[distribution]

    def compare(self, pyproject_text: str) -> None:
        """List where the project's table and the index differ."""
        data = tomlkit.parse(pyproject_text).unwrap()
        table = data.get("tool", {}).get("wheeltrain")
        if table is None:
            return
        config = parse_config(table)
        past = {v.name: self.of(v.distribution) for v in config.variants}
        if self.failed:
            return
        where = self.client.where if self.client is not None else "the index"
        for variant in config.variants:
            releases = past[variant.name].releases
            if releases:
                self.report.found.setdefault(f"on {where}", []).append(
                    f"{variant.distribution} {releases[0].version} to {releases[-1].version} "
                    f"({len(releases)} versions)"
                )
        lines = differences(config, past)
        if lines:
            self.report.found[f"where the table and {where} differ"] = lines
            self.report.todo.append(
                f"decide each difference between the [tool.wheeltrain] table and {where} "
                "(listed above): change the table (python, archs, releases, max-platform) where "
                "the project's past should continue, or keep it where the change is meant"
            )


def _parse_toml(path: Path) -> tomlkit.TOMLDocument:
    """``path`` as a tomlkit document (for edits that keep its layout); what tomlkit cannot
    read (nested past its limit, say) is a configuration problem in one line."""
    from tomlkit.exceptions import TOMLKitError

    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except (TOMLKitError, RecursionError, ValueError) as exc:
        raise ConfigError(f"{path} cannot be edited: {exc}; fix the file and retry") from None


def _toml_string(value: str) -> str:
    """``value`` for use inside a TOML basic string (the templates hold "@@NAME@@")."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _findings(
    root: Path,
    git: Git | None,
    name: str,
    workflows: dict[str, str],
    tag_workflows: list[str],
    report: InitReport,
) -> None:
    """What init saw in the repository, and what the maintainer must still do."""
    from wheeltrain.adapters.project import load_project as reload

    project = reload(root)
    table = project.wheeltrain or {}
    variants = table.get("variants", {}) if isinstance(table, dict) else {}
    dists = {
        str(v.get("distribution"))
        for v in (variants.values() if isinstance(variants, dict) else [])
        if isinstance(v, dict) and v.get("distribution")
    }
    configured = {str(place) for place in project.settings.locations}
    missing = [loc for loc in report.found["version locations"] if loc not in configured]
    if missing:
        report.todo.append(
            f"the version also lives in {', '.join(missing)}: add it to "
            "[tool.semantic_release] version_toml / version_variables (init kept your table)"
        )
    from wheeltrain.stages.release.semrel_template import IMPORT_NAME

    if (
        project.settings.template_dir != TEMPLATE_DIR
        or IMPORT_NAME not in project.settings.template_extensions
    ):
        report.todo.append(
            f'set [tool.semantic_release.changelog] template_dir = "{TEMPLATE_DIR}" and '
            f'[tool.semantic_release.changelog.environment] extensions = ["{IMPORT_NAME}"] '
            "(init kept your table): without them semantic-release run alone writes its own "
            "changelog, which drops every commit that is not a Conventional Commit"
        )
    if tag_workflows:
        report.found["workflows a release tag starts"] = tag_workflows
        report.todo.append(
            f"a release tag ({tag_name(project.settings.tag_format, project.version)}) pushed "
            f"with any token but GITHUB_TOKEN starts {', '.join(tag_workflows)} (read from "
            "their `on:` blocks): wheeltrain's jobs push tags with GITHUB_TOKEN, which starts "
            "no workflow, and publish themselves; keep WHEELTRAIN_PUSH_TOKEN unset, or remove "
            "those tag triggers (or their publish steps) before the first release"
        )
    token_users = sorted(rel for rel, text in workflows.items() if _TOKEN_SECRET.search(text))
    if token_users:
        report.found["workflows using a PyPI API token"] = token_users
        report.todo.append(
            f"{', '.join(token_users)} upload with a PyPI API token: wheeltrain publishes with "
            "trusted publishing; register the publishers (`wheeltrain trusted-publishers`) "
            "and delete the token secret when the old workflows are gone"
        )
    others = _other_distributions(root, git, name, dists)
    if others:
        report.found["other distributions"] = others
        report.todo.append(
            f"the release scripts also publish {', '.join(others)}: add a variant for each "
            "one wheeltrain should release, or keep releasing them the old way"
        )
    report.todo.append(
        "run `pre-commit install` so every commit message is checked (commit-msg hook)"
    )
    report.todo.append(
        "create the GitHub environment `pypi` and register the trusted publishers "
        "(`wheeltrain trusted-publishers`)"
    )


def workflow_files(root: Path) -> dict[str, str]:
    """The file name each of wheeltrain's workflows has (or will have) in ``root``: its
    template's name, or ``wheeltrain-<name>`` where the project keeps a workflow of its own
    under that name (init never replaces one)."""
    flows = root / ".github" / "workflows"
    planned, present = {}, {}
    for name in WORKFLOWS:
        own = flows / name
        renamed = flows / f"wheeltrain-{name}"
        mine = renamed if renamed.is_file() or (own.is_file() and not _written_by_us(own)) else own
        planned[name] = mine.name
        if mine.is_file() and _written_by_us(mine):
            present[name] = mine.name
    # once init has run, exactly the files that exist (a tag release it left out because the
    # project's own releases tags is no publisher); before, the names it will write
    return present or planned


def _written_by_us(path: Path) -> bool:
    text = path.read_text(encoding="utf-8", errors="replace")
    return any(mark in text for mark in _OURS)


def trusted_publishers(
    releases: list[tuple[str, tuple[str, ...]]],
    repository: str,
    files: Mapping[str, str] | None = None,
) -> list[dict[str, str]]:
    """The trusted publishers a maintainer registers: one per (distribution, workflow) that
    really publishes it (``releases``: each distribution with the events that release it) on
    PyPI, environment ``pypi``; and the nightly, which publishes every distribution, on
    TestPyPI, environment ``testpypi``."""
    owner, _, repo = repository.partition("/")
    return [
        {
            "index": WORKFLOW_INDEX.get(workflow, ("pypi", "pypi"))[0],
            "distribution": dist,
            "owner": owner,
            "repository": repo,
            "workflow": (files or {}).get(workflow, workflow),
            "environment": WORKFLOW_INDEX.get(workflow, ("pypi", "pypi"))[1],
        }
        for dist, events in releases
        for workflow in WORKFLOWS
        if files is None or workflow in files
        if workflow == "nightly.yaml" or any(e in events for e in WORKFLOW_EVENTS[workflow])
    ]
