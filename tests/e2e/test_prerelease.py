"""Pre-releases in PEP 440 form (`release monthly --pre a|b|rc`), their promotion to the final
release, and what real pip gives users of each, against a real pypiserver."""

from __future__ import annotations

import subprocess
import venv
from pathlib import Path

import pytest
from packaging.version import Version

from tests.support.artifacts import make_wheel
from tests.support.cli import Cli
from tests.support.gitrepo import GitRepo, released_repo
from tests.support.servers import LocalIndex, isolated_pip_env
from wheeltrain.core.planning import pre_release
from wheeltrain.errors import ConfigError


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    made = released_repo(tmp_path / "proj", name="predemo")
    made.build(["feat(ep): expert parallelism"])
    return made


def release(cli: Cli, repo: GitRepo, *args: str):  # type: ignore[no-untyped-def]
    return cli("release", "monthly", "--no-push", "--json", *args, "--project", str(repo.root))


def test_rc_numbers_follow_the_tags_and_the_final_release_promotes_them(
    repo: GitRepo, cli: Cli
) -> None:
    first = release(cli, repo, "--pre", "rc")
    assert first.code == 0, first.err
    assert (first.json()["version"], first.json()["tag"]) == ("0.4.0rc1", "v0.4.0rc1")
    assert 'version = "0.4.0rc1"' in (repo.root / "pyproject.toml").read_text()
    assert "## v0.4.0rc1 (" in (repo.root / "CHANGELOG.md").read_text()
    assert repo.git("log", "-1", "--format=%s").strip() == "chore(release): 0.4.0rc1"
    assert "-rc." not in repo.git("tag", "--list")  # never SemVer's spelling
    # the plan keeps v0.3.9 as its base: the pre-release tag is no monthly base
    plan = cli("plan", "--json", "--project", str(repo.root)).json()
    assert plan["last_tag"] == "v0.3.9" and plan["next_version"] == "0.4.0"
    assert "promotes 0.4.0rc1 to 0.4.0" in plan["reason"]
    repo.build(["fix(store): leak"])
    second = release(cli, repo, "--pre", "rc")
    assert second.json()["version"] == "0.4.0rc2", second.err
    # no new releasable commit since rc2: the final release promotes it, through
    # semantic-release, with every commit since v0.3.9 in its notes
    repo.build(["chore: tidy"])
    final = release(cli, repo)
    assert final.code == 0, final.err
    assert (final.json()["version"], final.json()["tag"]) == ("0.4.0", "v0.4.0")
    notes = final.json()["plan"]["notes"]
    assert "expert parallelism" in notes and "leak" in notes
    assert repo.git("tag", "--list", "v0.4.0*").split() == ["v0.4.0", "v0.4.0rc1", "v0.4.0rc2"]


def test_the_index_counts_too_and_a_kind_that_would_go_backwards_is_refused(
    repo: GitRepo, cli: Cli, index: LocalIndex, tmp_path: Path
) -> None:
    index.upload([make_wheel(tmp_path / "dist", "predemo", "0.4.0rc3")])
    made = release(cli, repo, "--pre", "rc", "--index-url", index.simple_url)
    assert made.code == 0, made.err
    assert made.json()["version"] == "0.4.0rc4"
    head = repo.head()
    back = cli("release", "monthly", "--no-push", "--pre", "b", "--project", str(repo.root))
    assert back.code == 2
    assert "0.4.0rc4 exist(s) already: a b pre-release of 0.4.0 would sort below it" in back.err
    assert len(back.err.strip().splitlines()) == 1 and repo.head() == head


def test_an_unknown_pre_release_kind_is_bad_input(repo: GitRepo, cli: Cli) -> None:
    result = cli("release", "monthly", "--pre", "beta", "--project", str(repo.root))
    assert result.code == 2 and "--pre: invalid choice: 'beta'" in result.err
    assert repo.git("tag", "--list", "v0.4*") == ""


def test_a_rerun_pushes_the_pre_release_an_earlier_run_cut_instead_of_the_next(
    repo: GitRepo, cli: Cli, tmp_path: Path
) -> None:
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    repo.git("remote", "add", "origin", str(origin))
    repo.git("push", "-q", "origin", "main", "v0.3.9")
    hook = origin / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\nexit 1\n")
    hook.chmod(0o755)
    failed = cli("release", "monthly", "--pre", "rc", "--project", str(repo.root))
    assert failed.code == 1 and "git push failed" in failed.err
    hook.unlink()
    again = cli("release", "monthly", "--pre", "rc", "--json", "--project", str(repo.root))
    assert again.code == 0, again.err
    assert again.json()["resumed"] is True and again.json()["version"] == "0.4.0rc1"
    pushed = subprocess.run(["git", "-C", str(origin), "tag"], capture_output=True, text=True)
    assert pushed.stdout.split() == ["v0.3.9", "v0.4.0rc1"]


def test_pre_release_numbers() -> None:
    taken = [Version(v) for v in ("0.4.0a1", "0.4.0a2", "0.5.0rc1", "0.4.0")]
    assert str(pre_release(Version("0.4.1"), "a", taken)) == "0.4.1a1"
    assert str(pre_release(Version("0.4.0"), "a", taken)) == "0.4.0a3"
    assert str(pre_release(Version("0.4.0"), "rc", taken)) == "0.4.0rc1"
    with pytest.raises(ConfigError):
        pre_release(Version("0.5.0"), "b", taken)


def test_what_pip_gives_users_of_a_pre_release(index: LocalIndex, tmp_path: Path) -> None:
    """A plain install skips the pre-release, --pre takes it, and the final release then
    supersedes it for both."""
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    dist = tmp_path / "dist"

    def installed(*args: str) -> str:
        subprocess.run(
            [str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet", "--upgrade",
             "--index-url", index.simple_url, *args, "predemo"],
            env=isolated_pip_env(), check=True, capture_output=True,
        )  # fmt: skip
        shown = subprocess.run(
            [str(env_dir / "bin" / "python"), "-c",
             "import importlib.metadata as m; print(m.version('predemo'))"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        return shown.stdout.strip()

    index.upload([make_wheel(dist, "predemo", v) for v in ("0.3.9", "0.4.0rc1")])
    assert installed() == "0.3.9"
    assert installed("--pre") == "0.4.0rc1"
    index.upload([make_wheel(dist, "predemo", "0.4.0")])
    assert installed() == "0.4.0"
    assert installed("--pre") == "0.4.0"


def test_an_unreachable_index_is_bad_input_and_nothing_is_made(repo: GitRepo, cli: Cli) -> None:
    from tests.support.servers import free_port

    url = f"http://127.0.0.1:{free_port()}/simple/"
    head = repo.head()
    for args in (["release", "monthly", "--pre", "rc"], ["nightly"]):
        result = cli(*args, "--index-url", url, "--project", str(repo.root))
        assert result.code == 2 and "did not answer" in result.err, result.err
        assert len(result.err.strip().splitlines()) == 1
    assert repo.head() == head and repo.git("tag", "--list", "v0.4*") == ""
