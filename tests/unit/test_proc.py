"""The one subprocess helper and the semantic-release error reader, on real processes."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from wheeltrain.adapters.proc import last_line, run, start
from wheeltrain.adapters.semrel import error_lines
from wheeltrain.errors import StepFailed


def test_failures_carry_the_last_line() -> None:
    with pytest.raises(StepFailed, match="failed: boom"):
        run([sys.executable, "-c", "import sys; print('x'); sys.exit('boom')"])
    proc = run([sys.executable, "-c", "import sys; sys.exit(3)"], check=False)
    assert last_line(proc) == "exit code 3"


def test_missing_programs_and_timeouts_are_one_line() -> None:
    with pytest.raises(StepFailed, match="not installed or not on PATH"):
        run(["wheeltrain-no-such-program"])
    with pytest.raises(StepFailed, match="not installed or not on PATH"):
        start(["wheeltrain-no-such-program"])
    with pytest.raises(StepFailed, match="sleeper did not finish within 0 s"):
        run([sys.executable, "-c", "import time; time.sleep(5)"], timeout=0.2, what="sleeper")


def test_a_started_server_dies_with_its_parent() -> None:
    # The parent is a short-lived Python that starts a sleeper with die_with_parent and exits.
    code = (
        "import sys; from wheeltrain.adapters.proc import start; "
        "p = start([sys.executable, '-c', 'import time; time.sleep(60)'], die_with_parent=True); "
        "print(p.pid, flush=True)"
    )
    out = run([sys.executable, "-c", code]).stdout.strip()
    pid = int(out)
    import os
    import time

    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, 9)
        pytest.fail("the child outlived its parent")


def test_semantic_release_errors_are_its_own_lines() -> None:
    stderr = (
        "\x1b[31m::ERROR:: Invalid tag_format 'v'\x1b[0m\n"
        "Run semantic-release in very verbose mode (-vv) to see the full traceback.\n"
    )
    assert error_lines(stderr) == "::ERROR:: Invalid tag_format 'v'"
    leaked = "error: push to https://x:pypi-AgEIcHlwaS5vcmcCJDAwMDAwMDAw@github.com failed"
    assert "pypi-AgEI" not in error_lines(leaked)


@pytest.mark.parametrize("target", ["/", "/nonexistent/folder/out"])
def test_step_outputs_that_cannot_be_named_are_bad_input_before_any_work(
    target: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from wheeltrain.cli import main

    monkeypatch.setenv("GITHUB_OUTPUT", target)
    root = Path(__file__).resolve().parents[2] / "examples" / "transfer-engine"
    code = main(["matrix", "--event", "monthly", "--project", str(root), "--github-output"])
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert code == 2 and len(err) == 1 and captured.out == ""  # nothing done, nothing printed
    assert err[0] == (
        f"wheeltrain: error: --github-output: $GITHUB_OUTPUT ({target}) is not a file that can "
        "be written"
    )


def test_step_outputs_on_a_full_disk_are_a_failed_step_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from wheeltrain.cli import main

    monkeypatch.setenv("GITHUB_OUTPUT", "/dev/full")
    root = Path(__file__).resolve().parents[2] / "examples" / "transfer-engine"
    code = main(["matrix", "--event", "monthly", "--project", str(root), "--github-output"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert err[0].startswith(
        "wheeltrain: error: cannot write the step outputs to $GITHUB_OUTPUT (/dev/full)"
    )


def test_build_progress_says_each_step_and_the_compilers_progress_at_most_once_a_minute() -> None:
    from wheeltrain.adapters.builder import BuildProgress

    said: list[str] = []
    now = [0.0]
    progress = BuildProgress("non-cuda cp312", said.append)
    progress.clock = lambda: now[0]
    progress.start = progress.last = 0.0
    for t, line in [
        (1, "Running before_all..."),
        (2, "[1/146] Building CXX object a.o"),  # within the minute: not said
        (61, "[40/146] Building CXX object b.o"),
        (70, "[ 50%] Building CXX object c.o"),  # within the minute again
        (130, "[ 75%] Building CXX object d.o"),
        (131, "    ✓ 130.00s"),
        (132, "some compiler chatter"),
    ]:
        now[0] = float(t)
        progress(line)
    assert said == [
        "  [non-cuda cp312     1 s] Running before_all...",
        "  [non-cuda cp312    61 s] compiling: 40 of 146 steps",
        "  [non-cuda cp312   130 s] compiling: 75 %",
        "  [non-cuda cp312   131 s] ✓ 130.00s",
    ]


def test_the_commands_with_step_outputs_are_the_ones_that_write_them() -> None:
    """--github-output is refused before any work by a command without outputs: the list the
    refusal reads is every handler that hands outputs to emit(), read from the source."""
    import ast

    from wheeltrain.cli import WITH_OUTPUTS

    found = set()
    for path in sorted((Path(__file__).resolve().parents[2] / "src/wheeltrain/cli").glob("*.py")):
        tree = ast.parse(path.read_text())
        for top in tree.body:
            if not isinstance(top, ast.FunctionDef):
                continue
            for node in ast.walk(top):
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "id", "") == "emit"
                    and (len(node.args) >= 4 or any(k.arg == "outputs" for k in node.keywords))
                ):
                    found.add(f"wheeltrain.cli.{path.stem}.{top.name}")
    found = {
        "wheeltrain.cli._publish.cmd_publish" if f.endswith("_publish_dry_run") else f
        for f in found
    }
    assert found == WITH_OUTPUTS


def test_under_json_an_error_is_a_json_object_with_the_same_exit_code(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import json

    from wheeltrain.cli import main

    code = main(["plan", "--json", "--project", str(tmp_path / "DOES-NOT-EXIST")])
    captured = capsys.readouterr()
    assert code == 2
    data = json.loads(captured.out)
    assert data["exit_code"] == 2 and data["error"].endswith(
        "pyproject.toml not found: run wheeltrain from the project root or pass --project"
    )
    assert captured.err == f"wheeltrain: error: {data['error']}\n"
    code = main(["plan", "--project", str(tmp_path / "DOES-NOT-EXIST")])
    assert code == 2 and capsys.readouterr().out == ""  # without --json, stdout stays empty


def test_lines_printed_by_threads_at_once_are_never_glued_together() -> None:
    import io
    import threading

    from wheeltrain.cli._output import RedactingStream

    sink = io.StringIO()
    stream = RedactingStream(sink, ["s3cr3t-value"])
    start = threading.Barrier(8)

    def talk(n: int) -> None:
        start.wait()
        for i in range(200):
            print(f"worker {n} line {i} s3cr3t-value", file=stream)

    threads = [threading.Thread(target=talk, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stream.flush()
    lines = sink.getvalue().splitlines()
    assert len(lines) == 8 * 200
    assert all(re.fullmatch(r"worker \d line \d+ \*\*\*", line) for line in lines), lines[:5]


def test_every_command_and_every_argument_has_help_text() -> None:
    import argparse

    from wheeltrain.cli import build_parser

    missing: list[str] = []

    def walk(parser: argparse.ArgumentParser, path: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, f"{path} {name}".strip())
                missing.extend(f"{path} {c.dest}" for c in action._choices_actions if not c.help)
            elif not action.help:
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")

    walk(build_parser("wheeltrain", None), "")
    assert missing == []


def test_every_command_that_changes_a_repository_or_an_index_has_a_dry_run() -> None:
    import argparse

    from wheeltrain.cli import build_parser

    commands: dict[str, argparse.ArgumentParser] = {}

    def walk(parser: argparse.ArgumentParser, path: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    commands[f"{path} {name}".strip()] = sub
                    walk(sub, f"{path} {name}".strip())

    walk(build_parser("wheeltrain", None), "")
    writers = [
        "init", "lock", "bump", "release monthly", "hotfix start", "hotfix release", "publish",
        "yank",
    ]  # fmt: skip
    without = [
        name
        for name in writers
        if not any("--dry-run" in a.option_strings for a in commands[name]._actions)
    ]
    assert without == []


def test_a_machine_lock_held_elsewhere_makes_the_second_wait_then_give_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wheeltrain.adapters.files import machine_lock
    from wheeltrain.errors import StepFailed

    monkeypatch.setenv("WHEELTRAIN_CACHE_DIR", str(tmp_path))
    said: list[str] = []
    with machine_lock("publish x 1.0", "publishing 1.0"):
        with (
            pytest.raises(StepFailed, match=r"another wheeltrain held publishing 1\.0 for 1 s"),
            machine_lock("publish x 1.0", "publishing 1.0", wait=1.0, progress=said.append),
        ):
            pass  # pragma: no cover - the lock is held
        with machine_lock("publish x 2.0", "publishing 2.0"):  # another key: no wait
            pass
    assert said == ["another wheeltrain is busy with publishing 1.0: waiting for it to finish"]
    with machine_lock("publish x 1.0", "publishing 1.0", wait=0.0):  # released: taken at once
        pass


def test_a_build_copy_whose_owner_is_gone_is_removed_and_a_live_ones_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import tempfile

    from wheeltrain.adapters.builder import COPY_PREFIX, OWNER_FILE, remove_stale_copies

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = tmp_path / f"{COPY_PREFIX}a"
    live = tmp_path / f"{COPY_PREFIX}b"
    other = tmp_path / f"{COPY_PREFIX}c"  # no owner file: not a copy this knows
    for folder in (dead, live, other):
        (folder / "src").mkdir(parents=True)
    (dead / OWNER_FILE).write_text("999999999")
    (live / OWNER_FILE).write_text(str(os.getpid()))
    assert remove_stale_copies() == [dead]
    assert not dead.exists() and live.exists() and other.exists()


def test_a_word_longer_than_a_line_keeps_its_start_and_end_in_an_error() -> None:
    from wheeltrain.cli import one_line

    path = "/tmp/" + "q" * 400 + "/pyproject.toml"
    line = one_line(f"cannot read {path}: too long")
    assert line.startswith("cannot read /tmp/qqq") and line.endswith("q/pyproject.toml: too long")
    assert len(line) < 200 and "…" in line
    short = "/tmp/pytest-of-root/demo/dist/mooncake_transfer_engine-0.4.0-cp312-cp312-manylinux_2_28_x86_64.whl"
    assert one_line(f"no {short}") == f"no {short}"  # a real path stays whole


def test_a_child_environment_reaches_children_and_leaves_this_process_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The rehearsal's homes reach every tool it starts, this process's os.environ is never
    written, and a name a caller sets itself keeps the caller's value."""
    import os

    from wheeltrain.adapters.proc import child_environment

    monkeypatch.setenv("WHEELTRAIN_PROBE", "outer")
    show = [sys.executable, "-c", "import os; print(os.environ.get('WHEELTRAIN_PROBE'))"]
    with child_environment({"WHEELTRAIN_PROBE": "inner"}):
        assert os.environ["WHEELTRAIN_PROBE"] == "outer"
        assert run(show).stdout.strip() == "inner"
        copied = dict(os.environ)
        assert run(show, env=copied).stdout.strip() == "inner"
        assert run(show, env={**copied, "WHEELTRAIN_PROBE": "mine"}).stdout.strip() == "mine"
        left_out = {k: v for k, v in copied.items() if k != "WHEELTRAIN_PROBE"}
        assert run(show, env=left_out).stdout.strip() == "None"
        streamed = start(show)
        assert streamed.communicate()[0].decode().strip() == "inner"
    assert run(show).stdout.strip() == "outer"
