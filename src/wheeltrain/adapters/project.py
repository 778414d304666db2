"""The project's ``pyproject.toml``: read once, version rewritten byte for byte."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any, NamedTuple

from wheeltrain.core.settings import ReleaseSettings, parse_release_settings
from wheeltrain.errors import ConfigError

if TYPE_CHECKING:
    from pathlib import Path

    from wheeltrain.adapters.git import StrPath

# tomli, compiled, reads a pyproject.toml in a third of tomllib's time and imports faster:
# `plan` starts on every push. tomllib where it is missing.
try:
    import tomli as tomllib
except ImportError:  # pragma: no cover - tomli is a dependency
    import tomllib  # type: ignore[no-redef,import-not-found,unused-ignore]

__all__ = ["Project", "load_project", "read_toml"]


class Project(NamedTuple):
    root_dir: str  # as given: pathlib is imported only by a command that needs a Path
    pyproject_file: str
    data: dict[str, Any]
    name: str
    version: str
    settings: ReleaseSettings
    repo_url: str | None
    #: Where the release configuration came from: None for the tree itself, else the ref of
    #: the default branch that a tree cut before adoption takes it from (core.adoption).
    config_ref: str | None = None
    #: The folder of the project file, relative to root_dir ("" at the root): the package
    #: a build starts from when the layout has moved since.
    package_dir: str = ""
    #: How the default branch's version locations map onto this tree, and those it lacks.
    moved: tuple[tuple[str, str], ...] = ()
    absent: tuple[str, ...] = ()

    @property
    def root(self) -> Path:
        from pathlib import Path

        return Path(self.root_dir)

    @property
    def pyproject(self) -> Path:
        from pathlib import Path

        return Path(self.pyproject_file)

    @property
    def tag_format(self) -> str:
        return self.settings.tag_format

    @property
    def wheeltrain(self) -> dict[str, Any] | None:
        tool = self.data.get("tool", {})
        value = tool.get("wheeltrain") if isinstance(tool, dict) else None
        return value if isinstance(value, dict) else None


def read_toml(path: StrPath) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:  # noqa: PTH123 - plan never imports pathlib
            text = fh.read()
    except FileNotFoundError:
        raise ConfigError(
            f"{path} not found: run wheeltrain from the project root or pass --project"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    try:
        data: dict[str, Any] = tomllib.loads(text)
        return data
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}): fix the file and retry") from None
    except (RecursionError, ValueError):  # nesting too deep, integers past the digit limit
        raise ConfigError(
            f"{path} cannot be read: it nests too deeply or holds an integer too large"
        ) from None


def _has_table(data: dict[str, Any] | None) -> bool:
    tool = data.get("tool") if data is not None else None
    return isinstance(tool, dict) and isinstance(tool.get("wheeltrain"), dict)


def load_project(root: StrPath, *, adopted: bool = True) -> Project:
    """The project at ``root``. With ``adopted`` (every command that releases, builds or
    checks a line), a tree cut before wheeltrain's adoption takes the default branch's
    configuration (``_from_default_branch``); without it (the monthly plan and the changelog,
    which describe the tree's own history, and run on every push) the tree is read as it is,
    with no git process."""
    folder = os.fspath(root)
    # os.path, not pathlib: a fast command (plan) never imports pathlib
    path = "pyproject.toml" if folder in ("", ".") else os.path.join(folder, "pyproject.toml")  # noqa: PTH118
    here = read_toml(path) if os.path.isfile(path) else None  # noqa: PTH113
    if adopted and not _has_table(here):
        found = _from_default_branch(folder, here)
        if found is not None:
            return found
    data = here if here is not None else read_toml(path)  # read_toml says what is missing
    project = data.get("project")
    if not isinstance(project, dict):
        raise ConfigError(f"{path} has no [project] table: add one with name and version")
    name = project.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{path} has no [project].name: add the distribution name")
    version = project.get("version")
    if not isinstance(version, str):
        dynamic = project.get("dynamic", [])
        why = (
            "declares it dynamic"
            if isinstance(dynamic, list) and "version" in dynamic
            else "has no [project].version"
        )
        raise ConfigError(
            f'{path} {why}: wheeltrain stamps a static version, write version = "0.1.0"'
        )
    tool = data.get("tool", {})
    psr = tool.get("semantic_release") if isinstance(tool, dict) else None
    if psr is not None and not isinstance(psr, dict):
        raise ConfigError(f"{path}: [tool.semantic_release] must be a table")
    try:
        settings = parse_release_settings(psr)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return Project(
        root_dir=folder,
        pyproject_file=path,
        data=data,
        name=name,
        version=version,
        settings=settings,
        repo_url=_repo_url(data, settings),
    )


def _repo_url(data: dict[str, Any], settings: ReleaseSettings) -> str | None:
    url = settings.remote_url
    if url is None:
        urls = data.get("project", {}).get("urls", {})
        url = None
        if isinstance(urls, dict):
            for key, value in urls.items():
                if key.lower() in ("repository", "source", "source code", "github") and isinstance(
                    value, str
                ):
                    url = value
                    break
    return _web_url(url) if url else None


def _web_url(url: str) -> str:
    """``git@github.com:o/r.git`` and ``https://github.com/o/r.git`` -> ``https://github.com/o/r``."""
    match = re.match(r"^(?:ssh://)?git@([^:/]+)[:/](.+?)(?:\.git)?/?$", url)
    if match:
        return f"https://{match[1]}/{match[2]}"
    return re.sub(r"\.git/?$", "", url).rstrip("/")


#: Where a tree cut before adoption looks for the release configuration, in this order.
DEFAULT_BRANCHES = (
    "refs/remotes/origin/HEAD",
    "refs/remotes/origin/main",
    "refs/remotes/origin/master",
    "refs/heads/main",
    "refs/heads/master",
)


def _from_default_branch(folder: str, here: dict[str, Any] | None) -> Project | None:
    """A tree without ``[tool.wheeltrain]`` (one cut before adoption: an old release line, a
    backfill of an old tag) whose default branch has one: that branch's configuration, this
    tree's project file, version and source (core.adoption says the rule). None when no
    default branch has a configuration, or the tree is the default branch itself."""
    from wheeltrain.adapters.git import Git
    from wheeltrain.core.adoption import choose_project_file, relocate
    from wheeltrain.errors import WheeltrainError

    try:
        git = Git.discover(folder or ".")
        prefix = git.run_git("rev-parse", "--show-prefix").strip()
        head = git.rev_parse("HEAD")
        found = None
        for ref in DEFAULT_BRANCHES:
            commit = git.rev_parse(ref)
            if commit is None:
                continue
            if commit == head:
                return None  # the default branch itself: its own file says everything
            text = git.run_git("show", f"{commit}:{prefix}pyproject.toml", check=False)
            try:
                data = tomllib.loads(text) if text else None
            except (tomllib.TOMLDecodeError, RecursionError, ValueError):
                data = None
            if data is not None and _has_table(data):
                found = (ref, data)
                break
        if found is None:
            return None
        files = [f for f in git.ls_files("pyproject.toml", "**/pyproject.toml")]
    except (WheeltrainError, OSError):
        return None
    ref, config = found
    name = git.run_git("rev-parse", "--abbrev-ref", ref, check=False).strip() or ref
    candidates: dict[str, dict[str, Any]] = {}
    for rel in files:
        if not rel.startswith(prefix):
            continue
        local = rel[len(prefix) :]
        if local == "pyproject.toml" and here is not None:
            candidates[local] = here
            continue
        try:
            candidates[local] = read_toml(_inside(folder, local))
        except ConfigError:
            continue
    tool = config.get("tool", {})
    table = tool.get("wheeltrain", {})
    variants = table.get("variants", {}) if isinstance(table, dict) else {}
    own_project = config.get("project")
    names = [str(own_project.get("name", ""))] if isinstance(own_project, dict) else []
    if isinstance(variants, dict):
        names += [str(v.get("distribution", "")) for v in variants.values() if isinstance(v, dict)]
    chosen = choose_project_file(candidates, names)
    if chosen is None:
        raise ConfigError(
            f"{folder or '.'} predates wheeltrain (no [tool.wheeltrain]; {name} has one) and "
            "no pyproject.toml in it has a static [project] name and version: check out a "
            "release of the project"
        )
    own = candidates[chosen]
    psr = tool.get("semantic_release") if isinstance(tool, dict) else None
    try:
        settings = parse_release_settings(psr if isinstance(psr, dict) else None)
    except ConfigError as exc:
        raise ConfigError(f"pyproject.toml on {name}: {exc}") from None

    def where(rel: str) -> bool:
        return os.path.isfile(_inside(folder, rel))  # noqa: PTH113

    relocated = relocate(settings, chosen, where)
    data = dict(own)
    own_tool = own.get("tool")
    data["tool"] = {
        **(own_tool if isinstance(own_tool, dict) else {}),
        "wheeltrain": table,
        **({"semantic_release": psr} if isinstance(psr, dict) else {}),
    }
    project = own["project"]
    return Project(
        root_dir=folder,
        pyproject_file=_inside(folder, chosen),
        data=data,
        name=str(project["name"]),
        version=str(project["version"]),
        settings=relocated.settings,
        repo_url=_repo_url(config, relocated.settings),
        config_ref=name,
        package_dir=os.path.dirname(chosen),  # noqa: PTH120
        moved=relocated.moved,
        absent=relocated.absent,
    )


def _inside(folder: str, rel: str) -> str:
    return rel if folder in ("", ".") else os.path.join(folder, rel)  # noqa: PTH118
