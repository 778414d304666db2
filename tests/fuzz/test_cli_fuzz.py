"""Hostile input against the command line, in process: generated argument lists (huge numbers,
non-UTF-8 bytes, control characters, odd paths, bad URLs, bad versions) and generated
``pyproject.toml`` files, driven through ``wheeltrain.cli.main``.

For every example: no exception escapes ``main``; the exit code is 0, 1 or 2 (2 for every input
known to be bad); a failure prints one line on stderr, with no control characters; and the
repository is exactly as it was. The number of examples is ``WHEELTRAIN_FUZZ_EXAMPLES``
(10,000 in ``.ci/run``); the count tried is printed at the end.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.gitrepo import GitRepo
from tests.support.tally import FUZZ
from wheeltrain.cli import main

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("WHEELTRAIN_FUZZ_EXAMPLES", "300"))
#: The same examples on every run (CI's verdict does not depend on luck); set
#: WHEELTRAIN_FUZZ_RANDOM=1 to explore new ones.
DERANDOMIZE = os.environ.get("WHEELTRAIN_FUZZ_RANDOM") != "1"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
COUNTS = FUZZ

EXAMPLE_CONFIG = """
[tool.semantic_release]
tag_format = "v{version}"
commit_message = "chore(release): {version}"
allow_zero_version = true
major_on_zero = false

[tool.wheeltrain]
python = ["3.12"]
archs = ["x86_64"]

[tool.wheeltrain.variants.cpu]
distribution = "demo"
import-name = "demo"
"""


def huge(digits: int = 5000) -> str:
    return "9" * digits


WEIRD = st.sampled_from(
    [
        "",
        " ",
        "-",
        "--",
        "--",  # twice as likely: several of them in one command line
        huge(),
        "1." + huge(),
        "0.4.0.post" + huge(),
        "v" + huge(),
        "nan",
        "inf",
        "-1",
        "0",
        "1e309",
        "\x00",
        "a\nb",
        "a\u2028b\x85c\x0bd",  # line breaks to str.splitlines()
        "\x1b[31mred\x1b[0m",
        "é",
        "\udcff\udcfe",  # undecodable bytes, as Python hands them over
        "../../etc",
        "/dev/full",
        "/",
        "/nonexistent/folder/file",
        "http://",
        "http://exa mple.com/simple/",
        "http://ex\u00e4mple\u3002com/simple/",
        "https://__token__:pypi-AgEIcHlwaS5vcmcAAAAAAAAAAAAAAAAA@@@INDEX@@/simple/",
        "http://@@INDEX@@/simple/",
        "ftp://127.0.0.1/",
        "@@INDEX@@",
        "0.4.0",
        "0.4.0.post1",
        "0.4",
        "0.4.0+local",
        "0.4.0-RC1",
        "1!2.0.0",
        "patch",
        "minor",
        "major",
        "monthly",
        "hotfix",
        "x86_64",
        "3.12",
        "cpu",
        "'; rm -rf / #",
        "$(touch /tmp/wheeltrain-fuzz-pwned)",
    ]
)
VALUE = st.one_of(WEIRD, st.text(max_size=30), st.integers().map(str))

COMMANDS: dict[tuple[str, ...], list[str]] = {
    ("current",): ["--check", "--json"],
    ("bump", "patch"): ["--dry-run", "--json"],
    ("bump",): ["--dry-run"],
    ("post",): ["--json"],
    ("changelog",): ["--since", "--all", "--ref", "--json"],
    ("validate",): ["--json"],
    ("verify",): ["--index-url", "--timeout", "--retries", "--all-variants", "--event", "--wait"],
    ("plan",): ["--level", "--json", "--github-output"],
    ("matrix",): ["--event", "--variant", "--python", "--arch", "--version", "--json"],
    ("hotfix", "plan"): ["--base", "--post", "--ref", "--description", "--index-url", "--json"],
    ("hotfix", "start"): ["--base", "--json"],
    ("check",): ["--version", "--event", "--variant", "--no-twine"],
    ("trusted-publishers",): ["--repository", "--json"],
    ("notify",): ["--workflow", "--run-url", "--results", "--ref", "--json"],
    ("download",): ["--version", "--event", "--variant", "--dest", "--index-url", "--repository"],
    ("nightly",): ["--date", "--last-commit", "--index-url", "--json", "--github-output"],
    ("report",): ["--out", "--index-url", "--repository", "--json"],
    ("status",): ["--index-url", "--repository", "--last", "--all", "--json"],
    ("yank",): ["--reason", "--index-url", "--wait", "--interval", "--dry-run", "--json"],
    ("release", "monthly"): ["--dry-run", "--level"],
    ("release",): [],
    ("bogus",): [],
    (): ["--version", "--help"],
}
SWITCHES = {
    "--check",
    "--json",
    "--dry-run",
    "--all",
    "--all-variants",
    "--no-twine",
    "--github-output",
}


@st.composite
def argument_lists(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from(sorted(COMMANDS)))
    argv = list(command)
    for _ in range(draw(st.integers(0, 4))):
        flags = COMMANDS[command]
        use_flag: bool = draw(st.booleans())
        if flags and use_flag:
            flag = draw(st.sampled_from(flags))
            argv.append(flag)
            if flag not in SWITCHES:
                argv.append(draw(VALUE))
        else:
            argv.append(draw(VALUE))
    return argv


def state(root: Path) -> tuple[str, ...]:
    """The repository as a command may change it, read from the files (no git process, so
    that twenty thousand examples fit in minutes): HEAD, every ref (loose and packed), and
    every file of the work tree with its content."""
    import hashlib

    git_dir = root / ".git"
    head = (git_dir / "HEAD").read_text()
    refs = sorted(
        f"{p.relative_to(git_dir)} {p.read_text().strip()}"
        for p in (git_dir / "refs").rglob("*")
        if p.is_file()
    )
    packed = git_dir / "packed-refs"
    tree = []
    for top, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in files:
            path = Path(top) / name
            tree.append(f"{path.relative_to(root)} {hashlib.sha256(path.read_bytes()).hexdigest()}")
    tree.sort()
    return (
        head,
        "\n".join(refs),
        packed.read_text() if packed.exists() else "",
        "\n".join(tree),
    )


def _git_state(root: Path) -> tuple[str, ...]:
    """What restore() needs: HEAD's commit, the tags and the branches, as git lists them."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
        ).stdout

    return (git("rev-parse", "HEAD"), git("tag", "--list"), git("branch", "--list"))


INDEX = {"at": "127.0.0.1:9"}
#: Each fuzzed repository as git lists it when it was made: what restore() returns to.
BASELINE: dict[Path, tuple[str, ...]] = {}


@pytest.fixture(scope="module", autouse=True)
def no_network() -> Iterator[None]:
    """Every index the commands reach is a real server on this machine that has nothing (404
    at once), so no example waits on retries or leaves the machine."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    class Empty(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Empty)
    Thread(target=server.serve_forever, daemon=True).start()
    INDEX["at"] = f"127.0.0.1:{server.server_address[1]}"
    saved = os.environ.get("WHEELTRAIN_PYPI_JSON_URL")
    os.environ["WHEELTRAIN_PYPI_JSON_URL"] = f"http://{INDEX['at']}/pypi"
    yield
    server.shutdown()
    server.server_close()
    if saved is None:
        del os.environ["WHEELTRAIN_PYPI_JSON_URL"]
    else:
        os.environ["WHEELTRAIN_PYPI_JSON_URL"] = saved


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    repo = GitRepo.create(tmp_path_factory.mktemp("fuzz") / "demo", version="0.4.0")
    pyproject = repo.root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('[tool.semantic_release]\ntag_format = "v{version}"\n', "")
        + EXAMPLE_CONFIG
    )
    repo.build(["chore: config", ("tag", "v0.4.0"), "fix: a", "feat(x): b"])
    (repo.root / "dist").mkdir()
    repo.git("add", "-A")
    BASELINE[repo.root] = _git_state(repo.root)
    yield repo.root


def restore(root: Path, before: tuple[str, ...]) -> None:
    """Undo what a command that succeeded did (a bump, a started hotfix branch); ``before``
    is :func:`_git_state` of the repository as it was."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
        ).stdout

    git("checkout", "-q", "-f", "main")
    git("reset", "-q", "--hard", before[0].strip())
    git("clean", "-q", "-fd")
    keep_tags, keep_branches = (
        set(before[1].split()),
        {b.strip("* ") for b in before[2].splitlines()},
    )
    for tag in set(git("tag", "--list").split()) - keep_tags:
        git("tag", "-d", tag)
    for branch in {b.strip("* ") for b in git("branch", "--list").splitlines()} - keep_branches:
        git("branch", "-q", "-D", branch)


def run(argv: list[str], cwd: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    here = Path.cwd()
    os.chdir(cwd)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # --help and --version end through argparse
                code = exc.code if isinstance(exc.code, int) else 0
    finally:
        os.chdir(here)
    return code, out.getvalue(), err.getvalue()


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
    derandomize=DERANDOMIZE,
)
@given(argv=argument_lists())
def test_no_command_line_ends_in_a_traceback(project: Path, argv: list[str]) -> None:
    COUNTS["examples"] += 1
    argv = [a.replace("@@INDEX@@", INDEX["at"]) for a in argv]
    before = state(project)
    env_output = os.environ.pop("GITHUB_OUTPUT", None)
    try:
        code, _, err = run(argv, project)
    except BaseException:
        COUNTS["failures"] += 1
        raise
    finally:
        if env_output is not None:
            os.environ["GITHUB_OUTPUT"] = env_output
    assert code in (0, 1, 2), (argv, code, err)
    lines = err.strip().splitlines()
    if code != 0 and not lines:  # a reported result: "not on the index", "problems found"
        assert code == 1 and argv[:1] in (["verify"], ["check"]), (argv, code)
    elif code != 0:
        assert lines[-1].startswith("wheeltrain: error: "), (argv, err)
        assert not CONTROL.search(lines[-1]), (argv, lines[-1])
        assert "pypi-AgEI" not in err, (argv, err)
    if argv and argv[0] == "bogus":
        assert code == 2
    if code != 0:
        assert state(project) == before, argv  # a failed command changed nothing
    elif state(project) != before:
        restore(project, BASELINE[project])
    assert not Path("/tmp/wheeltrain-fuzz-pwned").exists()


SCALARS = st.one_of(
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.text(max_size=12),
    WEIRD,
    st.floats(allow_nan=False, allow_infinity=False),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
KEYS = st.sampled_from(
    [
        "tag_format", "commit_message", "allow_zero_version", "major_on_zero", "version_toml",
        "version_variables", "changelog", "remote", "branches", "python", "archs", "variants",
        "distribution", "import-name", "environment", "image", "cuda", "max-platform",
        "releases", "sdist", "runners", "repair-exclude", "arch-environment", "bogus",
    ]
)  # fmt: skip


@st.composite
def pyprojects(draw: st.DrawFn) -> str:
    import tomlkit

    project: dict[str, object] = {
        "name": draw(st.sampled_from(["demo", "x", ""])),
        "version": "0.4.0",
    }
    if draw(st.booleans()):
        project["version"] = draw(VALUE)
    if draw(st.integers(0, 5)) == 0:
        del project["version"]
        project["dynamic"] = draw(st.one_of(st.just(["version"]), VALUES))
    doc: dict[str, object] = {"project": project, "tool": {}}
    tool = doc["tool"]
    assert isinstance(tool, dict)
    for table in ("semantic_release", "wheeltrain"):
        if draw(st.booleans()):
            tool[table] = draw(st.dictionaries(KEYS, VALUES, max_size=4))
    depth = draw(st.integers(1, 400)) if draw(st.integers(0, 7)) == 0 else 0
    try:
        text = tomlkit.dumps(doc)
    except Exception:  # a value tomlkit cannot write: write a broken file instead
        text = "[project\nname = "
    if depth:  # a table nested `depth` deep, written as text (tomlkit is quadratic in it)
        text += "\n[" + ".".join(["tool", "deep", *["a"] * depth]) + "]\n"
    if draw(st.integers(0, 5)) == 0:  # an integer past Python's integer-string limit
        text += f"\n[tool.huge]\nn = {huge()}\n"
    return text


@settings(
    max_examples=max(1, EXAMPLES // 3),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
    derandomize=DERANDOMIZE,
)
@given(
    text=pyprojects(),
    command=st.sampled_from(
        [
            ["current"],
            ["matrix", "--event", "monthly"],
            ["plan"],
            ["bump", "patch", "--dry-run"],
            ["validate", "0.4.0"],
        ]
    ),
)
def test_no_pyproject_ends_in_a_traceback(project: Path, text: str, command: list[str]) -> None:
    COUNTS["examples"] += 1
    pyproject = project / "pyproject.toml"
    saved = pyproject.read_bytes()
    try:
        pyproject.write_bytes(text.encode("utf-8", "surrogateescape"))
        code, _, err = run(command, project)
    except BaseException:
        COUNTS["failures"] += 1
        raise
    finally:
        pyproject.write_bytes(saved)
    assert code in (0, 1, 2), (command, code, err, text[:300])
    if code != 0:
        last = err.strip().splitlines()[-1]
        assert last.startswith("wheeltrain: error: ") and not CONTROL.search(last), (
            err,
            text[:300],
        )


ENV_NAMES = st.sampled_from(
    [
        "WHEELTRAIN_VERBOSE", "WHEELTRAIN_BUILDER", "WHEELTRAIN_CACHE_DIR", "GITHUB_OUTPUT",
        "COLUMNS", "TWINE_PASSWORD", "TWINE_USERNAME", "PYPI_API_TOKEN", "GITHUB_TOKEN",
        "SOURCE_DATE_EPOCH", "HOME", "TMPDIR", "GIT_DIR", "GIT_WORK_TREE", "LANG", "LC_ALL",
        "NO_COLOR", "PYTHONIOENCODING",
    ]
)  # fmt: skip
#: Paths a hostile environment or command line hands over: long, nested, special, missing.
PATHS = st.sampled_from(
    [
        "/" + "x" * 300,
        "/tmp/" + "/".join(["d" * 200] * 3),
        "/proc/self/mem",
        "/proc/1/root/x",
        "/dev/null/x",
        "/etc/passwd/x",
        "/sys/kernel",
        ".",
        "..",
        "~",
        "",
    ]
)
#: Text nested deeper than any parser's recursion limit, as JSON or TOML.
DEEP = st.integers(50, 5000).flatmap(
    lambda n: st.sampled_from(['{"a":' * n + "1" + "}" * n, "[" * n + "]" * n, "a = " + "{b=" * n])
)
ENCODINGS = st.sampled_from(["utf-8", "ascii", "latin-1", "cp1252"])
# commands that reach no index (those that do are the argument fuzz's, against a local one)
CHEAP = [
    ["validate"], ["matrix", "--event"], ["changelog", "--since"], ["current"], ["notify",
    "--workflow", "W", "--run-url", "https://x/y", "--results"], ["check", "--event", "monthly",
    "--version", "0.4.0"], ["plan", "--level"], ["bump", "--dry-run"], ["post"],
    ["trusted-publishers", "--repository"], ["matrix", "--event", "monthly", "--version"],
]  # fmt: skip


@settings(
    max_examples=max(1, EXAMPLES * 7 // 10),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
    derandomize=DERANDOMIZE,
)
@given(
    command=st.sampled_from(CHEAP),
    value=st.one_of(VALUE, PATHS, DEEP),
    env=st.dictionaries(ENV_NAMES, st.one_of(VALUE, PATHS), max_size=3),
    encoding=ENCODINGS,
)
def test_no_environment_path_or_terminal_ends_in_a_traceback(
    project: Path, command: list[str], value: str, env: dict[str, str], encoding: str
) -> None:
    """The attack's other classes: a hostile environment (credentials, paths, switches), a
    terminal that cannot show the output (ascii, latin-1), paths that are long, special or
    unusable, and input nested past every parser's limit."""
    COUNTS["examples"] += 1
    argv = [*command, value]
    before = state(project)
    saved = {name: os.environ.get(name) for name in [*env, "GITHUB_OUTPUT"]}
    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_bytes, encoding=encoding, errors="strict")
    err = io.TextIOWrapper(err_bytes, encoding=encoding, errors="strict")
    here = Path.cwd()
    try:
        for name, text in env.items():
            if "\x00" in text:
                continue  # no environment holds a NUL
            os.environ[name] = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        os.environ.pop("GITHUB_OUTPUT", None) if "GITHUB_OUTPUT" not in env else None
        os.chdir(project)
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 0
            out.flush()
            err.flush()
    except BaseException:
        COUNTS["failures"] += 1
        raise
    finally:
        os.chdir(here)
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old
    assert code in (0, 1, 2), (argv, env, code)
    text = err_bytes.getvalue().decode(encoding)
    lines = text.strip().splitlines()
    if code != 0 and lines:
        # a credential the environment holds is hidden wherever it stands as a word, even in
        # wheeltrain's own prefix (a password "wheeltrain"): the prefix as the redactor shows it
        from wheeltrain.core.redact import environment_secrets, redact

        prefix = redact("wheeltrain: error: ", environment_secrets(env))
        assert lines[-1].startswith(prefix), (argv, env, text)
        assert not CONTROL.search(lines[-1]), (argv, lines[-1])
    if code != 0:
        assert state(project) == before, (argv, env)
    elif state(project) != before:
        restore(project, BASELINE[project])
