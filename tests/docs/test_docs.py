"""Docs that cannot drift: every command shown in RELEASE_QUICKSTART.md and in the command
blocks of docs/RELEASE_PLAN.md runs here, in order, against a temporary repository of the
example project (with a bare `origin`) and a local index; what the docs show as output is
what the command prints. Links between the documents are checked too.

In a ```console block, a line `$ command` is run with bash; the lines after it, up to the next
`$ ` line, are its expected output. `...` on a line of its own stands for any lines; inside a
line, for any text. `$INDEX` and `$UPLOAD` name the local index.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.artifacts import make_wheel
from tests.support.gitrepo import git_env
from tests.support.servers import local_index
from wheeltrain.stages.commands.init import render_files

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "transfer-engine"
BIN = Path(sys.executable).parent
RUN_DOCS = ["RELEASE_QUICKSTART.md", "docs/RELEASE_PLAN.md"]
ALL_DOCS = ["README.md", "CONTRIBUTING.md", "CHANGELOG.md", *RUN_DOCS, "docs/ARCHITECTURE.md"]


@dataclass
class Command:
    doc: str
    line: int
    command: str
    expected: list[str]


def commands(doc: str) -> list[Command]:
    out: list[Command] = []
    in_block = False
    current: Command | None = None
    for number, line in enumerate((ROOT / doc).read_text().splitlines(), start=1):
        if line.startswith("```"):
            if in_block and current:
                out.append(current)
                current = None
            in_block = line.strip() == "```console" if not in_block else False
            continue
        if not in_block:
            continue
        if line.startswith("$ "):
            if current:
                out.append(current)
            current = Command(doc, number, line[2:], [])
        elif current is not None:
            current.expected.append(line)
    return out


def matches(expected: list[str], actual: list[str]) -> bool:
    pattern = ""
    for line in expected:
        if line.strip() == "...":
            pattern += r"(?:.*\n)*?"
        else:
            pattern += ".*?".join(re.escape(part) for part in line.split("...")) + r"\n"
    text = "".join(f"{line}\n" for line in actual)
    return re.fullmatch(pattern, text) is not None


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    repo = tmp_path / "transfer-engine"
    shutil.copytree(EXAMPLE, repo)
    for rel, text in render_files(".").items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    env = {**git_env(1_767_225_600), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    env["HOME"] = os.environ.get("HOME", "/tmp")

    def git(*args: str, cwd: Path = repo) -> None:
        subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", "chore: import the project")
    git("tag", "v0.3.9")
    for message in ("fix(engine): handle empty buffers (#12)", "feat(engine): checksum on the GPU"):
        (repo / "csrc" / "NOTES").open("a").close()
        with (repo / "csrc" / "NOTES").open("a") as fh:
            fh.write(message + "\n")
        git("add", "-A")
        git("commit", "-q", "-m", message)
    git("init", "-q", "--bare", str(tmp_path / "origin.git"), cwd=tmp_path)
    git("remote", "add", "origin", str(tmp_path / "origin.git"))
    git("push", "-q", "origin", "main", "v0.3.9")
    with local_index(tmp_path / "packages") as index:
        wheels = [
            make_wheel(
                tmp_path / "dist",
                dist,
                "0.3.9",
                f"cp{py}-cp{py}-manylinux_2_28_{arch}",
                module="mooncake",
            )
            for dist in ("mooncake-transfer-engine", "mooncake-transfer-engine-non-cuda")
            for py in ("310", "311", "312", "313")
            for arch in ("x86_64", "aarch64")
        ]
        index.upload(wheels)
        env.update(INDEX=index.simple_url, UPLOAD=index.url + "/")
        env.pop("GIT_AUTHOR_DATE", None)
        env.pop("GIT_COMMITTER_DATE", None)
        yield repo, env


@pytest.mark.slow
@pytest.mark.parametrize("doc", RUN_DOCS)
def test_every_command_in_the_doc_prints_what_it_shows(doc: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    repo, env = sandbox
    found = commands(doc)
    assert found, f"{doc} shows no commands"
    for cmd in found:
        proc = subprocess.run(
            ["bash", "-c", cmd.command],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        # what a command prints on success is its stdout (progress goes to stderr); a failure
        # is shown with its error line
        shown = proc.stdout if proc.returncode == 0 else proc.stdout + proc.stderr
        actual = shown.rstrip("\n").splitlines()
        where = f"{cmd.doc}:{cmd.line}: $ {cmd.command}"
        assert proc.returncode == 0 or any("exit" in e for e in cmd.expected[-1:]), (
            where,
            proc.stdout,
            proc.stderr,
        )
        if cmd.expected and cmd.expected[-1].startswith("# exit "):
            assert f"# exit {proc.returncode}" == cmd.expected[-1], (where, proc.returncode)
            expected = cmd.expected[:-1]
        else:
            expected = cmd.expected
        assert matches(expected, actual), (
            where
            + "\n--- shown:\n"
            + "\n".join(expected)
            + ("\n--- printed:\n" + "\n".join(actual))
        )


def slug(heading: str) -> str:
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


@pytest.mark.parametrize("doc", ALL_DOCS)
def test_links_between_documents_resolve(doc: str) -> None:
    text = (ROOT / doc).read_text()
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z]+://", target) or target.startswith("mailto:"):
            continue
        path, _, anchor = target.partition("#")
        file = (ROOT / doc).parent / path if path else ROOT / doc
        assert file.exists(), f"{doc}: link to {target}: no such file"
        if anchor:
            headings = [
                slug(line.lstrip("#"))
                for line in file.read_text().splitlines()
                if line.startswith("#")
            ]
            assert anchor in headings, f"{doc}: link to {target}: no such heading"


def test_the_reliability_table_is_generated_not_typed() -> None:
    """docs/RELEASE_PLAN.md holds the table scripts/reliability.py made from a full run."""
    text = (ROOT / "docs" / "RELEASE_PLAN.md").read_text()
    begin = "<!-- reliability table: scripts/reliability.py --write -->"
    table = text.split(begin, 1)[1].split("<!-- end of the reliability table -->", 1)[0]
    rows = [line for line in table.strip().splitlines() if line.startswith("| ")]
    assert rows[0] == "| promise | measured by the test suite | figure |"
    assert len(rows) == 5
    tried = re.search(r"\| ([\d,]+) tried, 0 uncaught \|$", rows[1])
    assert tried is not None and int(tried[1].replace(",", "")) >= 10_000
    assert rows[2].endswith(" broke |") and " 0 broke |" in rows[2]
    assert rows[3].endswith(" 0 found |")
