"""Write git histories quickly with `git fast-import` (tests and benchmarks).

A history is a list of events: ("commit", message), ("tag", name), ("merge", [messages]) for a
side branch of commits merged back with --no-ff. Dates are fixed: one minute apart.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from tests.support.gitrepo import BASE_EPOCH, git_env

Event = tuple[str, object]


def _data(text: str) -> bytes:
    raw = text.encode()
    return b"data %d\n%s\n" % (len(raw), raw)


def write_history(
    root: Path, files: dict[str, str], events: Iterable[Event], *, branch: str = "main"
) -> None:
    """Create a repository at ``root`` whose first commit adds ``files``, then ``events``."""
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", branch, str(root)], check=True, env=git_env())
    out: list[bytes] = []
    mark = 0
    clock = BASE_EPOCH
    head = 0

    def commit(ref: str, message: str, parents: Sequence[int], add: dict[str, str]) -> int:
        nonlocal mark, clock
        mark += 1
        clock += 60
        out.append(b"commit %s\nmark :%d\n" % (ref.encode(), mark))
        out.append(b"committer Bench <bench@example.com> %d +0000\n" % clock)
        out.append(_data(message))
        if parents:
            out.append(b"from :%d\n" % parents[0])
            for p in parents[1:]:
                out.append(b"merge :%d\n" % p)
        for path, text in add.items():
            out.append(b"M 644 inline %s\n" % path.encode())
            out.append(_data(text))
        out.append(b"\n")
        return mark

    head = commit(f"refs/heads/{branch}", "chore: initial commit", [], files)
    side = 0
    for kind, value in events:
        if kind == "commit":
            head = commit(f"refs/heads/{branch}", str(value), [head], {})
        elif kind == "tag":
            out.append(b"reset refs/tags/%s\nfrom :%d\n\n" % (str(value).encode(), head))
        elif kind == "merge":
            side += 1
            name = f"topic-{side}"
            tip = head
            for message in value:  # type: ignore[attr-defined]
                tip = commit(f"refs/heads/{name}", str(message), [tip], {})
            head = commit(f"refs/heads/{branch}", f"Merge branch '{name}'", [head, tip], {})
        else:
            raise ValueError(kind)
    subprocess.run(
        ["git", "-C", str(root), "fast-import", "--quiet"],
        input=b"".join(out),
        check=True,
        env=git_env(),
    )
    subprocess.run(
        ["git", "-C", str(root), "checkout", "-q", "-f", branch], check=True, env=git_env()
    )
