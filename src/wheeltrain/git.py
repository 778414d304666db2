"""The git adapter: the only module that runs git."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from wheeltrain._proc import run
from wheeltrain.commits import Commit, parse_commit
from wheeltrain.errors import ConfigError, StepFailed

__all__ = ["Git", "Tag"]

_RECORD = "\x1e"  # ASCII record separator between commits
_FIELD = "\x1f"  # ASCII unit separator between fields


@dataclass(frozen=True)
class Tag:
    name: str
    sha: str


class Git:
    """git commands against one work tree."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _git(self, *args: str, check: bool = True) -> str:
        proc = run(["git", "-C", str(self.root), *args], check=False)
        if check and proc.returncode != 0:
            message = (proc.stderr or proc.stdout).strip().splitlines()
            last = message[-1] if message else f"exit code {proc.returncode}"
            raise StepFailed(f"git {args[0]} failed: {last}")
        return proc.stdout

    @classmethod
    def discover(cls, start: Path) -> Git:
        proc = run(["git", "-C", str(start), "rev-parse", "--show-toplevel"], check=False)
        if proc.returncode != 0:
            raise ConfigError(
                f"{start} is not inside a git repository: run wheeltrain in the project's "
                "checkout (or `git init` first)"
            )
        return cls(Path(proc.stdout.strip()))

    def has_commits(self) -> bool:
        proc = run(
            ["git", "-C", str(self.root), "rev-parse", "--verify", "-q", "HEAD"], check=False
        )
        return proc.returncode == 0

    def rev_parse(self, ref: str) -> str | None:
        proc = run(
            ["git", "-C", str(self.root), "rev-parse", "--verify", "-q", f"{ref}^{{commit}}"],
            check=False,
        )
        return proc.stdout.strip() if proc.returncode == 0 else None

    def head(self) -> str:
        sha = self.rev_parse("HEAD")
        if sha is None:
            raise StepFailed(f"{self.root} has no commits yet: commit something first")
        return sha

    def tags(self, pattern: str = "*", merged: str | None = None) -> list[Tag]:
        """Tags matching ``pattern`` (optionally only those reachable from ``merged``)."""
        args = ["for-each-ref", "--format=%(refname:strip=2)%09%(*objectname)%(objectname)"]
        if merged is not None:
            if not self.has_commits():
                return []
            args.append(f"--merged={merged}")
        args.append(f"refs/tags/{pattern}")
        out = self._git(*args)
        tags = []
        for line in out.splitlines():
            name, _, shas = line.partition("\t")
            # %(*objectname) is the peeled commit for annotated tags, empty for lightweight ones
            tags.append(Tag(name=name, sha=shas[:40]))
        return tags

    def log(self, rev_range: str | None = None, *, first_parent: bool = False) -> Iterator[Commit]:
        """Commits of ``rev_range`` (default: all of HEAD), newest first, parsed once."""
        if not self.has_commits():
            return
        args = ["log", f"--format={_RECORD}%H{_FIELD}%P{_FIELD}%B"]
        if first_parent:
            args.append("--first-parent")
        args.append(rev_range or "HEAD")
        out = self._git(*args)
        for record in out.split(_RECORD):
            if not record:
                continue
            sha, parents, message = record.split(_FIELD, 2)
            yield parse_commit(sha, message, is_merge=len(parents.split()) > 1)

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        proc = run(
            ["git", "-C", str(self.root), "merge-base", "--is-ancestor", ancestor, descendant],
            check=False,
        )
        return proc.returncode == 0

    def remote_url(self, name: str = "origin") -> str | None:
        proc = run(["git", "-C", str(self.root), "remote", "get-url", name], check=False)
        return proc.stdout.strip() or None if proc.returncode == 0 else None

    def status_porcelain(self) -> str:
        return self._git("status", "--porcelain", "--untracked-files=no")

    def current_branch(self) -> str | None:
        proc = run(
            ["git", "-C", str(self.root), "symbolic-ref", "-q", "--short", "HEAD"], check=False
        )
        return proc.stdout.strip() or None if proc.returncode == 0 else None

    def delete_tag(self, name: str) -> None:
        self._git("tag", "-d", name)

    def reset_hard(self, ref: str) -> None:
        self._git("reset", "-q", "--hard", ref)

    def push_atomic(self, remote: str, refspecs: list[str]) -> None:
        """Push every refspec or none (``git push --atomic``)."""
        self._git("push", "--atomic", remote, *refspecs)
