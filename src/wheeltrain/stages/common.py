"""What the release stages share: reading the release state of a repository, and what its
remote would refuse."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Union

from wheeltrain.adapters.git import Git
from wheeltrain.adapters.project import Project, load_project
from wheeltrain.core.settings import ReleaseSettings
from wheeltrain.core.tags import Cut, ReleaseTag, cut_at_head, release_tags
from wheeltrain.errors import ConfigError

if TYPE_CHECKING:
    from wheeltrain.adapters.git import StrPath
    from wheeltrain.adapters.index import IndexClient
    from wheeltrain.core.config import TrainConfig  # `plan` never loads the config parser

__all__ = [
    "Checkout",
    "Where",
    "checkout",
    "cut_at",
    "distributions",
    "origin_blocks",
    "published_versions",
    "release_history",
    "require_history",
]


class Checkout(NamedTuple):
    """A repository and its project, loaded once where a command starts and handed to every
    stage it calls: no stage reads ``pyproject.toml`` again."""

    project: Project
    git: Git


#: What a stage is handed: the loaded checkout, or a folder to load it from (a test, a script).
Where = Union[Checkout, "StrPath"]


def checkout(where: Where, *, adopted: bool = True) -> Checkout:
    """``where`` as it was loaded, or the project and repository at the folder ``where``
    (``adopted``: see :func:`wheeltrain.adapters.project.load_project`)."""
    if isinstance(where, Checkout):
        return where
    return Checkout(load_project(where, adopted=adopted), Git.discover(where))


def require_history(git: Git, needs: str) -> None:
    """A plan that reads the history refuses a repository with no commits or a shallow clone,
    with what to do (the monthly, nightly and hotfix plans alike)."""
    if not git.has_commits():
        raise ConfigError(f"{git.root} has no commits yet: commit something first")
    if git.shallow:
        raise ConfigError(
            f"{git.root} is a shallow clone: {needs} needs the whole history and its tags; "
            "run `git fetch --unshallow --tags` (or check out with fetch-depth: 0)"
        )


def distributions(project: Project) -> list[str]:
    """Every distribution the project publishes: ``[project].name`` and each variant's."""
    names = {project.name}
    if project.wheeltrain is not None:
        from wheeltrain.core.config import parse_config

        names |= {v.distribution for v in parse_config(project.wheeltrain).variants}
    return sorted(names)


def published_versions(project: Project, index: IndexClient | None) -> list[Any]:
    """The versions ``index`` holds of any of the project's distributions (none without an
    index): taken, as the tags' versions are, by a pre-release or a hotfix. An index that
    cannot be used is the URL to fix (exit 2)."""
    from wheeltrain.errors import IndexUnusable, UsageError

    if index is None:
        return []
    try:
        return [v for name in distributions(project) for v in index.versions(name)]
    except IndexUnusable as exc:
        raise UsageError(str(exc)) from None


def release_history(
    where: Where, needs: str
) -> tuple[Project, Git, dict[str, str], list[ReleaseTag]]:
    """The project, its repository, every tag's commit and the release tags, for a plan
    (``needs``: what the plan is, for the error) that reads the history: a repository with no
    commits, or a shallow clone, is refused with what to do."""
    if isinstance(where, Checkout):
        project, git = where
        tags = git.tags()
    else:
        project = load_project(where, adopted=False)  # the tree's own history: read as it is
        git, tags = Git.discover_with_tags(where)
    require_history(git, needs)
    shas = {t.name: t.sha for t in tags}
    return project, git, shas, release_tags(shas, project.tag_format)


def cut_at(git: Git, settings: ReleaseSettings, ref: str = "HEAD") -> Cut | None:
    """The release an earlier run committed and tagged at ``ref`` (monthly or hotfix alike)."""
    version = settings.version_of_release_subject(git.subject(ref))
    if version is None:
        return None
    return cut_at_head(version, git.tags_at(ref), tag_format=settings.tag_format)


def require_remote(git: Git, remote: str) -> None:
    """A release that pushes needs ``remote`` configured: checked before anything is cut."""
    if git.remote_url(remote) is None:
        raise ConfigError(
            f"this repository has no remote named {remote!r}: add it (git remote add), name "
            "another with --remote, or cut the release without pushing (--no-push)"
        )


def origin_blocks(
    git: Git,
    remote: str,
    branch: str,
    new_refs: Sequence[str],
    *,
    parent: str,
    release: str | None = None,
) -> str | None:
    """Why ``remote`` would refuse the release push: one of ``new_refs`` (the release tag, a
    hotfix's tracking branch) exists there and is not the one made here, or ``branch`` has
    commits that ``parent`` (where the release commit sits) lacks. ``release``: the release
    commit an earlier run cut, which the remote may hold already. ``None`` when the push can
    go, or the remote does not answer (the push itself will say then)."""
    asked = [f"refs/heads/{branch}"]
    for ref in new_refs:
        asked += [ref, f"{ref}^{{}}"] if ref.startswith("refs/tags/") else [ref]
    there = git.remote_refs(remote, asked)
    if there is None:
        return None
    for ref in new_refs:
        # the commit the remote's ref names (the peeled line of an annotated tag)
        theirs = there.get(f"{ref}^{{}}") or there.get(ref)
        if theirs is None or theirs == git.rev_parse(ref):
            continue
        if ref.startswith("refs/tags/"):
            name = ref.removeprefix("refs/tags/")
            return (
                f"{remote} has the tag {name} already (fetch its tags: git fetch --tags {remote})"
            )
        name = ref.removeprefix("refs/heads/")
        return f"{remote} has the branch {name} already (fetch it: git fetch {remote})"
    tip = there.get(f"refs/heads/{branch}")
    if tip is not None and git.rev_parse(tip) is None:
        # commits this clone has not seen: fetch them (FETCH_HEAD only) to tell whether
        # they build on the release or went past it
        git.run_git("fetch", "--quiet", remote, f"refs/heads/{branch}", check=False)
        if git.rev_parse(tip) is None:
            return None  # cannot tell here: the push itself will say
    if tip is None or (release is not None and git.is_ancestor(release, tip)):
        return None  # a new branch, or one that holds the release already
    if not git.is_ancestor(tip, parent):
        return f"{remote}/{branch} moved on (to {tip[:12]}) with commits this clone does not have"
    return None


def config_for_release(
    project: Project, today: TrainConfig, version: str
) -> tuple[TrainConfig, str]:
    """The matrix a release is judged by, and where it came from: the ``[tool.wheeltrain]``
    table at the release's tag when the tag has one, otherwise today's (said why)."""
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    from wheeltrain.core.config import parse_config
    from wheeltrain.core.tags import tag_name
    from wheeltrain.errors import WheeltrainError

    tag = tag_name(project.tag_format, version)
    try:
        git = Git.discover(project.root)
    except WheeltrainError:
        return today, "today's configuration (not a git checkout)"
    if git.rev_parse(f"refs/tags/{tag}") is None:
        return today, f"today's configuration (no tag {tag} here)"
    relative = project.pyproject.resolve().relative_to(git.root.resolve()).as_posix()
    text = git.run_git("show", f"{tag}:{relative}", check=False)
    try:
        table = tomllib.loads(text).get("tool", {}).get("wheeltrain") if text else None
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        table = None
    if not isinstance(table, dict):
        return today, f"today's configuration ({tag} has no [tool.wheeltrain] table)"
    try:
        return parse_config(table), f"the configuration at {tag}"
    except WheeltrainError as exc:
        return today, f"today's configuration ({tag}'s table is not valid: {exc.message})"
