"""The reliability table of docs/RELEASE_PLAN.md, from the figures the last full test run
left in build/reliability.json (tests/support/tally.py): never typed by hand.

    .venv/bin/python scripts/reliability.py            # print the table
    .venv/bin/python scripts/reliability.py --write    # and put it into docs/RELEASE_PLAN.md
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TALLY = ROOT / "build" / "reliability.json"
DOC = ROOT / "docs" / "RELEASE_PLAN.md"
BEGIN = "<!-- reliability table: scripts/reliability.py --write -->"
END = "<!-- end of the reliability table -->"


def table(data: dict[str, int]) -> str:
    return "\n".join(
        [
            "| promise | measured by the test suite | figure |",
            "|---|---|---:|",
            f"| one-line errors, exit 2 for bad input, never a traceback | generated command "
            f"lines, `pyproject.toml` files, environments, terminals that cannot show the "
            f"output, unusable paths and nesting past every parser's limit (tests/fuzz) | "
            f"{data['fuzz_examples']:,} tried, "
            f"{data['fuzz_failures']} uncaught |",
            f"| nothing lost, nothing half-done | faults injected at real boundaries: server "
            f"errors, cut and hung uploads, a full disk, kills at each stage boundary, every "
            f"writer killed at every moment, two publishes at once, a protected and a moving "
            f"origin, conflicting and truncated files (`-m fault`) | "
            f"{data['faults_passed']} held, "
            f"{data['faults_failed']} broke |",
            f"| no secret in any output | planted tokens searched in every output and file "
            f"(tests/e2e/test_secrets.py) | {data['secrets_scanned']:,} searched, "
            f"{data['secrets_found']} found |",
            f"| the whole suite | `.ci/run` | {data['tests_passed']} passed, "
            f"{data['tests_failed']} failed |",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update docs/RELEASE_PLAN.md")
    args = parser.parse_args(argv)
    if not TALLY.is_file():
        print(f"{TALLY} is missing: run the whole test suite first (bash scripts/test.sh)")
        return 1 if args.write else 0
    text = table(json.loads(TALLY.read_text(encoding="utf-8")))
    print(text)
    if args.write:
        doc = DOC.read_text(encoding="utf-8")
        if BEGIN not in doc or END not in doc:
            print(f"{DOC} has no reliability table markers", file=sys.stderr)
            return 1
        head, _, rest = doc.partition(BEGIN)
        _, _, tail = rest.partition(END)
        DOC.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
