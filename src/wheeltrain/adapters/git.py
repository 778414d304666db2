"""The git adapter: the only module that runs git."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from wheeltrain.adapters.proc import run
from wheeltrain.adapters.proc import start as start_process
from wheeltrain.core.commits import Commit, parse_commit
from wheeltrain.errors import ConfigError, StepFailed

if TYPE_CHECKING:
    from pathlib import Path
    from typing import TypeAlias

    #: A folder as a string or a path object (``plan`` never imports pathlib).
    StrPath: TypeAlias = str | os.PathLike[str]

__all__ = ["Git", "Tag"]

_RECORD = "\x1e"  # ASCII record separator between commits
_FIELD = "\x1f"  # ASCII unit separator between fields
_RECORD_B = _RECORD.encode()


def _parse_records(
    data: bytes, boundary: list[str] | None = None, raw: bool = False
) -> Iterator[Any]:
    """Commits from whole records (each starts with ``_RECORD``), decoded at once; with
    ``raw``, each as (sha, parents as %P gives them, message). With ``boundary``, each record
    starts with git's ``%m`` mark, and the shas of boundary commits ("-") go to that list
    instead."""
    for record in data.decode("utf-8", "replace").split(_RECORD):
        if not record:
            continue
        if boundary is not None:
            mark, record = record[:1], record[1:]
            if mark == "-":
                boundary.append(record.partition(_FIELD)[0])
                continue
        sha, parents, message = record.split(_FIELD, 2)
        yield (
            (sha, parents, message)
            if raw
            else parse_commit(sha, message, parents=tuple(parents.split()))
        )


class Tag(NamedTuple):
    name: str
    sha: str


_SHOW_TAGS = ("show-ref", "--tags", "-d")


def _discover_args(start: StrPath) -> list[str]:
    return [
        "git",
        "-C",
        os.fspath(start),
        "rev-parse",
        "--show-toplevel",
        "--is-shallow-repository",
        "HEAD",
    ]


def _tags_from(out: str, err: str, code: int) -> list[Tag]:
    """Every tag and its commit from ``git show-ref --tags -d`` (exit 1: no tags)."""
    if code not in (0, 1) or (code == 1 and out.strip()):
        message = err.strip().splitlines()
        raise StepFailed(f"git show-ref failed: {message[-1] if message else code}")
    shas: dict[str, str] = {}
    for line in out.splitlines():
        sha, _, ref = line.partition(" ")
        name = ref[len("refs/tags/") :]
        if name.endswith("^{}"):
            shas[name[:-3]] = sha  # the commit an annotated tag points at
        else:
            shas.setdefault(name, sha)
    return list(map(Tag._make, shas.items()))


class Git:
    """git commands against one work tree."""

    def __init__(self, root: StrPath, *, head: str | None = None, shallow: bool = False) -> None:
        self.dir = os.fspath(root)  # the work tree, as git's -C takes it
        self._head = head  # known from discover(); asked again after any change
        self.shallow = shallow

    @property
    def root(self) -> Path:
        """The work tree as a path (pathlib is imported by the commands that use one)."""
        from pathlib import Path

        return Path(self.dir)

    def _git(self, *args: str, check: bool = True, input_text: str | None = None) -> str:
        proc = run(["git", "-C", self.dir, *args], check=False, input_text=input_text)
        if check and proc.returncode != 0:
            message = (proc.stderr or proc.stdout).strip().splitlines()
            last = message[-1] if message else f"exit code {proc.returncode}"
            raise StepFailed(f"git {args[0]} failed: {last}")
        return proc.stdout

    def run_git(self, *args: str, check: bool = True) -> str:
        """Any git command in this work tree; its stdout."""
        return self._git(*args, check=check)

    @classmethod
    def discover(cls, start: StrPath) -> Git:
        """The repository around ``start``; one git call also learns HEAD and shallowness."""
        proc = run(_discover_args(start), check=False)
        return cls._found(start, proc.stdout, proc.returncode)

    @classmethod
    def discover_with_tags(cls, start: StrPath) -> tuple[Git, list[Tag]]:
        """:meth:`discover` and :meth:`tags`, their two git calls run side by side (a plan
        needs both before anything else)."""
        looking = start_process(_discover_args(start))
        listing = start_process(["git", "-C", os.fspath(start), *_SHOW_TAGS])
        found, _ = looking.communicate()
        listed, errors = listing.communicate()
        git = cls._found(start, found.decode("utf-8", "replace"), looking.returncode)
        text = listed.decode("utf-8", "replace")
        return git, _tags_from(text, errors.decode("utf-8", "replace"), listing.returncode)

    @classmethod
    def _found(cls, start: StrPath, out: str, code: int) -> Git:
        lines = out.splitlines()
        if len(lines) < 2:
            raise ConfigError(
                f"{start} is not inside a git repository: run wheeltrain in the project's "
                "checkout (or `git init` first)"
            )
        head = lines[2].strip() if code == 0 and len(lines) > 2 else None
        return cls(lines[0].strip(), head=head, shallow=lines[1].strip() == "true")

    def has_commits(self) -> bool:
        if self._head is not None:
            return True
        proc = run(["git", "-C", self.dir, "rev-parse", "--verify", "-q", "HEAD"], check=False)
        return proc.returncode == 0

    def rev_parse(self, ref: str) -> str | None:
        proc = run(
            ["git", "-C", self.dir, "rev-parse", "--verify", "-q", f"{ref}^{{commit}}"],
            check=False,
        )
        return proc.stdout.strip() if proc.returncode == 0 else None

    def head(self) -> str:
        sha = self.rev_parse("HEAD")
        if sha is None:
            raise StepFailed(f"{self.root} has no commits yet: commit something first")
        return sha

    def tags(self, pattern: str = "*", merged: str | None = None) -> list[Tag]:
        """Tags matching ``pattern`` (optionally only those reachable from ``merged``), each
        with the commit it points at."""
        if pattern == "*" and merged is None:
            return self._all_tags()
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

    def _all_tags(self) -> list[Tag]:
        """Every tag: ``show-ref -d`` reads annotated tags' commits from ``packed-refs`` (a
        clone's 1,000 tags in a few milliseconds; ``for-each-ref`` opens each tag object)."""
        proc = run(["git", "-C", self.dir, *_SHOW_TAGS], check=False)
        return _tags_from(proc.stdout, proc.stderr, proc.returncode)

    def log(
        self,
        rev_range: str | None = None,
        *,
        first_parent: bool = False,
        revisions: Sequence[str] = (),
        boundary: list[str] | None = None,
    ) -> Iterator[Commit]:
        """Commits of ``rev_range`` (default: all of HEAD), newest first, parsed once;
        ``revisions`` are further revision arguments (``^tag``, ``--cherry-pick``, ...). With
        a ``boundary`` list, the commits just outside the range are added to it (not
        yielded)."""
        return self._log(rev_range, first_parent, revisions, boundary, raw=False)

    def log_records(self, rev_range: str | None = None) -> Iterator[tuple[str, str, str]]:
        """:meth:`log` unparsed: (sha, parents apart by spaces, message) for a caller that
        parses a whole history its own faster way (``changelog --all``)."""
        return self._log(rev_range, False, (), None, raw=True)

    def _log(
        self,
        rev_range: str | None,
        first_parent: bool,
        revisions: Sequence[str],
        boundary: list[str] | None,
        *,
        raw: bool,
    ) -> Iterator[Any]:
        if not self.has_commits():
            return
        mark = "%m" if boundary is not None else ""
        args = ["log", f"--format={_RECORD}{mark}%H{_FIELD}%P{_FIELD}%B"]
        if boundary is not None:
            args.append("--boundary")
        if first_parent:
            args.append("--first-parent")
        args += [*revisions, rev_range or "HEAD", "--"]
        # Streamed: git writes while this parses; both pipes are read as they fill (never a
        # thread: `plan` reads a short log and must start fast), so git never waits on a full
        # stderr and its walk overlaps the parsing.
        proc = start_process(["git", "-C", self.dir, *args])
        stdout, stderr = proc.stdout, proc.stderr
        if stdout is None or stderr is None:  # pragma: no cover - PIPE was asked for
            raise StepFailed("git log: no output pipe")
        import selectors

        out_fd, err_fd = stdout.fileno(), stderr.fileno()
        errors: list[bytes] = []
        pending = b""
        finished = False
        with selectors.DefaultSelector() as selector:
            selector.register(out_fd, selectors.EVENT_READ)
            selector.register(err_fd, selectors.EVENT_READ)
            try:
                while selector.get_map():
                    for key, _ in selector.select():
                        chunk = os.read(key.fd, 1 << 20)
                        if not chunk:
                            selector.unregister(key.fd)
                        elif key.fd == err_fd:
                            errors.append(chunk)
                        else:
                            data = pending + chunk
                            # whole records end where the last one begins: a record separator
                            # is ASCII, so no multi-byte character is ever cut
                            cut = data.rfind(_RECORD_B)
                            pending = data[cut:] if cut >= 0 else data
                            if cut > 0:
                                yield from _parse_records(data[:cut], boundary, raw)
                yield from _parse_records(pending, boundary, raw)
                finished = True
            finally:
                if not finished:  # the consumer stopped early: let git finish and go
                    proc.kill()
                stdout.close()
                stderr.close()
                code = proc.wait()
        if code != 0:
            err = b"".join(errors).decode("utf-8", "replace").strip()
            last = err.splitlines()[-1] if err else f"exit code {code}"
            raise StepFailed(f"git log failed: {last}")

    def log_since(self, base: str, ref: str = "HEAD") -> tuple[list[Commit], bool]:
        """The commits of ``base..ref`` and whether commit ``base`` is in ``ref``'s history,
        from one ``git log --boundary``: ``base`` is an ancestor exactly when it is one of the
        range's boundary commits (or ``ref`` itself, when the range is empty)."""
        boundary: list[str] = []
        commits = list(self.log(f"{base}..{ref}", boundary=boundary))
        if commits:
            return commits, base in boundary
        return commits, self.rev_parse(ref) == base

    def ls_files(self, *pathspecs: str) -> list[str]:
        """Tracked files matching ``pathspecs`` (git's glob pathspecs), relative to the root."""
        out = self._git("ls-files", "-z", "--", *pathspecs)
        return [name for name in out.split("\0") if name]

    def ignored(self, paths: Sequence[str]) -> list[str]:
        """Those of ``paths`` that the repository's ignore rules would hide."""
        if not paths:
            return []
        proc = run(
            ["git", "-C", self.dir, "check-ignore", "--no-index", "--stdin", "-z"],
            input_text="\0".join(paths) + "\0",
            check=False,
        )
        return [name for name in proc.stdout.split("\0") if name]

    def merge_base(self, a: str, b: str) -> str | None:
        proc = run(["git", "-C", self.dir, "merge-base", a, b], check=False)
        return proc.stdout.strip() or None if proc.returncode == 0 else None

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        proc = run(
            ["git", "-C", self.dir, "merge-base", "--is-ancestor", ancestor, descendant],
            check=False,
        )
        return proc.returncode == 0

    def remote_refs(self, remote: str, refs: Sequence[str]) -> dict[str, str] | None:
        """``refs`` (full names) as ``remote`` has them, ref -> sha; ``None`` when the remote
        does not answer (then a push would fail the same way, and a re-run finishes it)."""
        proc = run(["git", "-C", self.dir, "ls-remote", remote, *refs], check=False, timeout=60)
        if proc.returncode != 0:
            return None
        found = {}
        for line in proc.stdout.splitlines():
            sha, _, ref = line.partition("\t")
            found[ref.strip()] = sha.strip()
        return found

    def remote_url(self, name: str = "origin") -> str | None:
        proc = run(["git", "-C", self.dir, "remote", "get-url", name], check=False)
        return proc.stdout.strip() or None if proc.returncode == 0 else None

    def subject(self, ref: str = "HEAD") -> str:
        return self._git("log", "-1", "--format=%s", ref).strip()

    def tags_at(self, ref: str = "HEAD") -> list[str]:
        return self._git("tag", "--points-at", ref).split()

    def status_porcelain(self) -> str:
        return self._git("status", "--porcelain", "--untracked-files=no")

    def current_branch(self) -> str | None:
        proc = run(["git", "-C", self.dir, "symbolic-ref", "-q", "--short", "HEAD"], check=False)
        return proc.stdout.strip() or None if proc.returncode == 0 else None

    def delete_tag(self, name: str) -> None:
        self._git("tag", "-d", name)

    def reset_hard(self, ref: str) -> None:
        self._git("reset", "-q", "--hard", ref)

    def push_atomic(self, remote: str, refspecs: list[str]) -> None:
        """Push every refspec or none (``git push --atomic``)."""
        self._git("push", "--atomic", remote, *refspecs)

    def create_branch(self, name: str, start: str) -> None:
        self._git("branch", name, start)

    def delete_branch(self, name: str) -> None:
        self._git("branch", "-D", name)

    def switch(self, name: str) -> None:
        self._git("switch", "-q", name)

    def add(self, paths: list[str]) -> None:
        self._git("add", "--", *paths)

    def commit(self, message: str) -> None:
        """Commit what is staged through the repository's hooks (a hook that refuses is a
        failed step); the message goes through stdin, never a shell."""
        self._git("commit", "-q", "-F", "-", input_text=message)

    def tag_annotated(self, name: str, message: str) -> None:
        self._git("tag", "-a", name, "-F", "-", input_text=message)


def missing_submodules(root: StrPath) -> list[str]:
    """The submodule paths of the project at ``root`` that are not checked out (``git
    submodule status`` marks them ``-``); a folder outside git has none to check."""
    from pathlib import Path

    if not (Path(root) / ".gitmodules").is_file():
        return []
    proc = run(["git", "-C", os.fspath(root), "submodule", "status"], check=False, timeout=60)
    if proc.returncode != 0:
        return []
    return [line[1:].split()[1] for line in proc.stdout.splitlines() if line.startswith("-")]
