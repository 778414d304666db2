"""The values the command line starts from, built in one place: the project (loaded once per
command and passed down), the index a command reads (one rule for ``--index-url`` and
``--repository``, PyPI when neither is given), the repository, and the few direct effects a
command has of its own (a file written, a chat message, the version stamped). The CLI imports
no adapter: it asks this stage, then calls the stage that does the work."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from wheeltrain.adapters.files import write_atomic
from wheeltrain.adapters.git import Git
from wheeltrain.adapters.project import Project, load_project
from wheeltrain.errors import UsageError, WheeltrainError
from wheeltrain.stages import common
from wheeltrain.stages.common import Checkout

if TYPE_CHECKING:
    from pathlib import Path

    from wheeltrain.adapters.builder import BuildReport
    from wheeltrain.adapters.git import StrPath
    from wheeltrain.adapters.index import IndexClient
    from wheeltrain.core.config import Variant
    from wheeltrain.core.matrix import BuildTarget

__all__ = [
    "BuildReport",
    "Checkout",
    "Git",
    "IndexClient",
    "Project",
    "build_variant",
    "check_locations",
    "checkout",
    "held_versions",
    "index",
    "post_chat",
    "project",
    "repository",
    "repository_root",
    "stamp_version",
    "uses_container",
    "write",
]


def project(root: StrPath, *, adopted: bool = True) -> Project:
    """The project at ``root``: ``pyproject.toml`` read once (a tree cut before adoption takes
    the default branch's configuration, see ``core.adoption``, unless ``adopted`` is False)."""
    return load_project(root, adopted=adopted)


def checkout(root: StrPath, *, adopted: bool = True) -> Checkout:
    """The project and its repository at ``root``, loaded once for a command's every step."""
    return common.checkout(root, adopted=adopted)


def index(
    index_url: str | None = None,
    repository_name: str | None = None,
    *,
    timeout: float = 10.0,
    attempts: int = 3,
) -> IndexClient:
    """The index a command reads: ``--index-url`` or ``--repository`` (one of them), PyPI when
    neither is given."""
    from wheeltrain.adapters.index import IndexClient
    from wheeltrain.stages.pipeline.publish import REPOSITORIES

    if index_url and repository_name:
        raise UsageError("--index-url and --repository name the same thing: give one")
    url = index_url or (REPOSITORIES[repository_name][1] if repository_name else None)
    return IndexClient(url, timeout=timeout, attempts=attempts)


def repository(root: StrPath) -> Git:
    return Git.discover(root)


def repository_root(root: Path) -> Path:
    """The top of the git checkout around ``root``; ``root`` itself outside one."""
    try:
        return Git.discover(root).root
    except WheeltrainError:
        return root


def write(path: Path, text: str) -> None:
    """A file a command writes (``--out``): whole or not at all."""
    write_atomic(path, text)


def post_chat(service: str, url: str, text: str) -> None:
    from wheeltrain.adapters.webhooks import post_chat as post

    post(service, url, text)


def held_versions(found: Project) -> dict[str, list[str]]:
    """What each version location of the project holds now."""
    from wheeltrain.adapters import stamp

    return stamp.read_versions(found.root, found.settings.locations)


def stamp_version(found: Project, version: str) -> list[Path]:
    """``version`` written into every version location, all or none."""
    from wheeltrain.adapters import stamp

    stamp.check_locations(found.root, found.settings.locations)
    return stamp.stamp(found.root, found.settings.locations, version)


def check_locations(found: Project) -> None:
    from wheeltrain.adapters import stamp

    stamp.check_locations(found.root, found.settings.locations)


def uses_container(target: BuildTarget, builder_name: str | None) -> bool:
    from wheeltrain.adapters import builder

    return builder.uses_container(target, builder_name)


def build_variant(
    project_root: Path,
    variant: Variant,
    targets: Sequence[BuildTarget],
    version: str,
    out: Path,
    **options: Any,
) -> BuildReport:
    """One variant's builds into ``out`` (``adapters.builder.build_variant``: what this
    machine cannot build is reported)."""
    from wheeltrain.adapters import builder

    return builder.build_variant(project_root, variant, targets, version, out, **options)
