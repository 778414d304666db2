"""A hotfix of a Mooncake release cut before wheeltrain was adopted, on Mooncake's real history.

    .venv/bin/python scripts/real_hotfix.py --work /tmp/mooncake-hotfix [--mooncake URL-OR-GIT-DIR]

1. clones Mooncake (default: github.com) and adopts wheeltrain on its default branch
   (`wheeltrain init --profile mooncake`, committed);
2. `wheeltrain hotfix start --base 0.3.12 --switch`: the maintenance branch starts at the
   line's newest release, a tag whose tree has no `[tool.wheeltrain]` and no root
   `pyproject.toml` (the wheel project lived in `mooncake-wheel/` then);
3. commits a fix on it, then `wheeltrain hotfix plan` and `wheeltrain hotfix release --no-push`:
   the configuration from the default branch, the version stamped where that tree keeps it;
4. `wheeltrain current --check` on the hotfix and on the default branch.

Every command's output is printed; nothing is pushed or uploaded. It takes about a minute.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from real_build import GITHUB, WHEELTRAIN, adopt, checkout, sh

GIT = ("git", "-c", "user.name=build", "-c", "user.email=build@localhost")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, required=True, help="a folder for the checkout")
    parser.add_argument("--mooncake", default=GITHUB.format("kvcache-ai/Mooncake"))
    parser.add_argument("--base", default="0.3.12", help="the release to fix (default: 0.3.12)")
    args = parser.parse_args()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    src = checkout(work, {"mooncake": args.mooncake}, submodules=False)
    adopt(src)
    project = ("--project", str(src))
    print(f"$ wheeltrain hotfix start --base {args.base} --switch")
    print(sh(WHEELTRAIN, "hotfix", "start", "--base", args.base, "--switch", *project), end="")
    fix = src / "mooncake-wheel" / "mooncake" / "__init__.py"
    fix.write_text(fix.read_text() + "# a fix for the old line\n")
    sh(*GIT, "commit", "--quiet", "--no-verify", "-am", "fix(wheel): a fix for the old line",
       cwd=src)  # fmt: skip
    for step in [
        (WHEELTRAIN, "hotfix", "plan", "--base", args.base, *project),
        (WHEELTRAIN, "hotfix", "release", "--base", args.base, "--description",
         "A fix for the old line.", "--no-push", *project),
        ("git", "-C", str(src), "show", "--stat", "--format=%s%n%D", "HEAD"),
        (WHEELTRAIN, "current", "--check", *project),
    ]:  # fmt: skip
        print(f"$ {' '.join(Path(a).name if a == WHEELTRAIN else a for a in step)}")
        print(sh(*step), end="")
    sh("git", "switch", "--quiet", "-", cwd=src)
    print("$ wheeltrain current --check   # back on the default branch")
    print(sh(WHEELTRAIN, "current", "--check", *project), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
