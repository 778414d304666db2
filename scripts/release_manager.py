#!/usr/bin/env python3
"""The release plan's release manager: the same commands as the `wheeltrain` CLI.

    python scripts/release_manager.py current
    python scripts/release_manager.py bump minor --dry-run
    python scripts/release_manager.py post 0.4.0 1
    python scripts/release_manager.py changelog --since v0.3.9
    python scripts/release_manager.py verify mooncake-transfer-engine 0.3.9
    python scripts/release_manager.py validate 0.4.0.post1

One implementation: this file only routes to `wheeltrain.cli.main` (written by `wheeltrain
init`). It runs with any Python where wheeltrain is installed; in wheeltrain's own checkout
also without that, from `src/`, with any Python that has `packaging`.
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    from wheeltrain.cli import main
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    try:
        from wheeltrain.cli import main
    except ImportError as exc:
        print(
            f"release_manager.py: error: {exc}: run `bash scripts/setup.sh` and use "
            ".venv/bin/python scripts/release_manager.py",
            file=sys.stderr,
        )
        raise SystemExit(2) from None

if __name__ == "__main__":
    raise SystemExit(main(prog="release_manager.py"))
