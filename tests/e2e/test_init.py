"""`wheeltrain init` into an existing repository, and `wheeltrain trusted-publishers`."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import Cli
from tests.support.gitrepo import GitRepo
from wheeltrain.adapters.project import load_project
from wheeltrain.core.config import parse_config

EXISTING_TAG_WORKFLOW = """\
name: Release
on:
  push:
    tags:
      - "v*"
jobs: {}
"""


def test_init_writes_everything_and_keeps_the_existing_tag_release(
    tmp_path: Path, cli: Cli
) -> None:
    pyproject = (
        "[project]\nname = 'mooncake-transfer-engine'\nversion = '0.3.9'\n"
        "[project.urls]\nRepository = 'https://github.com/kvcache-ai/Mooncake'\n"
    )
    repo = GitRepo.create(tmp_path / "r", pyproject=pyproject)
    (repo.root / ".github" / "workflows").mkdir(parents=True)
    (repo.root / ".github" / "workflows" / "release.yml").write_text(EXISTING_TAG_WORKFLOW)
    (repo.root / ".cz.toml").write_text("# mine\n")
    result = cli("init", "--profile", "mooncake", "--json", "--project", str(repo.root))
    assert result.code == 0, result.err
    report = result.json()
    assert ".github/workflows/monthly-release.yaml" in report["written"]
    assert ".github/workflows/release.yaml" not in report["written"]
    assert "release.yml already release pushed tags" in report["notes"][0]
    assert (repo.root / ".github/workflows/release.yml").read_text() == EXISTING_TAG_WORKFLOW
    assert (repo.root / ".cz.toml").read_text() == "# mine\n"
    assert ".cz.toml" in report["kept"]
    project = load_project(repo.root)
    config = parse_config(project.wheeltrain or {})
    assert [v.name for v in config.variants] == ["cuda", "non-cuda", "cuda13"]
    assert project.settings.major_on_zero is False
    assert project.settings.remote_url == "https://github.com/kvcache-ai/Mooncake.git"
    assert "0.3.9" in (repo.root / "pyproject.toml").read_text()
    assert "<!-- version list -->" in (repo.root / "CHANGELOG.md").read_text()
    assert (repo.root / "docs" / "RELEASE_PLAN.md").is_file()
    assert (repo.root / "scripts" / "release_manager.py").is_file()
    again = cli("init", "--profile", "mooncake", "--json", "--project", str(repo.root)).json()
    assert again["written"] == []
    forced = cli("init", "--force", "--json", "--project", str(repo.root)).json()
    assert ".github/workflows/release.yaml" in forced["written"]
    assert (repo.root / ".cz.toml").read_text() != "# mine\n"
    tp = cli("trusted-publishers", "--json", "--project", str(repo.root)).json()
    rows = tp["publishers"]
    assert tp["repository"] == "kvcache-ai/Mooncake"
    assert len(rows) == 1 * 5  # --force switched to the single profile: one distribution
    assert rows[0] == {
        "index": "pypi",
        "distribution": "mooncake-transfer-engine",
        "owner": "kvcache-ai",
        "repository": "Mooncake",
        "workflow": "monthly-release.yaml",
        "environment": "pypi",
    }


def test_trusted_publishers_for_the_three_variants(cli: Cli) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "transfer-engine"
    result = cli(
        "trusted-publishers", "--repository", "kvcache-ai/Mooncake", "--project", str(example)
    )
    assert result.code == 0
    # exactly the (distribution, workflow) pairs that publish: cuda and non-cuda are released
    # by all four workflows; cuda13 (by hand and by hotfixes) by the hotfix workflow, by a
    # re-pushed hotfix tag and by the backfill; the nightly publishes all three to TestPyPI
    assert result.out.count("| pypi |") == 4 + 4 + 3
    cuda13 = [line for line in result.out.splitlines() if "engine-cuda13 |" in line]
    assert [line.split(" | ")[4] for line in cuda13] == [
        "hotfix-release.yaml",
        "release.yaml",
        "backfill.yaml",
        "nightly.yaml",
    ]
    testpypi = [line for line in result.out.splitlines() if line.endswith("| testpypi |")]
    assert len(testpypi) == 3 and all(line.startswith("| TestPyPI |") for line in testpypi)
    bad = cli("trusted-publishers", "--repository", "not a repo", "--project", str(example))
    assert bad.code == 2


def test_init_keeps_an_existing_release_table_and_says_what_it_lacks(
    tmp_path: Path, cli: Cli
) -> None:
    pyproject = (
        "[project]\nname = 'demo'\nversion = '0.1.0'\n"
        "[tool.semantic_release]\ntag_format = 'v{version}'\n"
    )
    repo = GitRepo.create(tmp_path / "r", pyproject=pyproject)
    (repo.root / "src" / "demo").mkdir(parents=True)
    (repo.root / "src" / "demo" / "__init__.py").write_text('__version__ = "0.1.0"\n')
    repo.build(["chore: the package"])
    report = cli("init", "--json", "--project", str(repo.root)).json()
    assert "pyproject.toml [tool.semantic_release]" in report["kept"]
    todo = "\n".join(report["todo"])
    assert "the version also lives in src/demo/__init__.py:__version__" in todo
    assert 'template_dir = ".github/wheeltrain/changelog"' in todo


def test_init_writes_dependabot_for_the_pins_and_keeps_an_existing_one(
    tmp_path: Path, cli: Cli
) -> None:
    fresh = GitRepo.create(tmp_path / "fresh")
    cli("init", "--no-lock", "--project", str(fresh.root))
    text = (fresh.root / ".github" / "dependabot.yml").read_text()
    assert "package-ecosystem: github-actions" in text and "package-ecosystem: pip" in text
    own = GitRepo.create(tmp_path / "own")
    (own.root / ".github").mkdir()
    (own.root / ".github" / "dependabot.yml").write_text("version: 2\nupdates: []\n")
    report = cli("init", "--no-lock", "--json", "--project", str(own.root)).json()
    assert ".github/dependabot.yml" in report["kept"]
    assert (own.root / ".github" / "dependabot.yml").read_text() == "version: 2\nupdates: []\n"
    assert any(
        item.startswith(".github/dependabot.yml exists and was kept") for item in report["todo"]
    )


MOONCAKE_RELEASE = """\
name: Release
on:
  push:
    tags: ['v*']
jobs:
  publish:
    runs-on: ubuntu-24.04
    steps:
      - uses: pypa/gh-action-pypi-publish@release/v1
        with:
          password: ${{ secrets.PYPI_API_TOKEN }}
"""
MANUAL_IMAGE = """\
name: Publish master image
on: workflow_dispatch
jobs:
  image:
    runs-on: ubuntu-24.04
    steps:
      - uses: docker/build-push-action@v6
        with:
          tags: ghcr.io/kvcache-ai/mooncake:latest
"""


def test_a_project_workflow_with_a_templates_name_is_kept_byte_for_byte_and_named(
    tmp_path: Path, cli: Cli
) -> None:
    """Mooncake's own release.yaml (tag-triggered, publishes with an API token) is never
    replaced, also with --force; a workflow run by hand whose docker step has a `tags:` key
    starts on no tag; --force says what it replaces and keeps a copy."""
    repo = GitRepo.create(
        tmp_path / "r",
        pyproject="[project]\nname = 'mooncake-transfer-engine'\nversion = '0.3.13'\n",
    )
    flows = repo.root / ".github" / "workflows"
    flows.mkdir(parents=True)
    (flows / "release.yaml").write_text(MOONCAKE_RELEASE)
    (flows / "publish-master-image.yaml").write_text(MANUAL_IMAGE)
    report = cli("init", "--no-lock", "--json", "--project", str(repo.root)).json()
    assert (flows / "release.yaml").read_bytes() == MOONCAKE_RELEASE.encode()
    assert any(
        n.startswith(".github/workflows/release.yaml is the project's own workflow: kept byte")
        for n in report["notes"]
    ), report["notes"]
    assert report["found"]["workflows a release tag starts"] == [".github/workflows/release.yaml"]
    assert report["found"]["workflows using a PyPI API token"] == [".github/workflows/release.yaml"]
    # without --force wheeltrain's tag release is left out (the project's releases tags): no
    # publisher is listed for a workflow file that does not exist
    listed = cli("trusted-publishers", "--repository", "kvcache-ai/Mooncake", "--json",
                 "--project", str(repo.root)).json()["publishers"]  # fmt: skip
    assert {row["workflow"] for row in listed} == {
        "monthly-release.yaml", "hotfix-release.yaml", "backfill.yaml", "nightly.yaml"
    }  # fmt: skip
    # with --force wheeltrain's tag release is added under its own name, the project's kept
    forced = cli("init", "--no-lock", "--force", "--json", "--project", str(repo.root)).json()
    assert (flows / "release.yaml").read_bytes() == MOONCAKE_RELEASE.encode()
    assert ".github/workflows/wheeltrain-release.yaml" in forced["written"]
    monthly = (flows / "monthly-release.yaml").read_text()
    assert "workflows: monthly-release.yaml wheeltrain-release.yaml" in monthly
    # the trusted publishers are the workflow files that exist and publish: wheeltrain's tag
    # release under its own name, never the project's release.yaml (an API token's)
    publishers = cli(
        "trusted-publishers", "--repository", "kvcache-ai/Mooncake", "--json",
        "--project", str(repo.root),
    ).json()["publishers"]  # fmt: skip
    named = {row["workflow"] for row in publishers}
    assert "wheeltrain-release.yaml" in named and "release.yaml" not in named
    assert named <= {p.name for p in flows.iterdir()}
    # a file wheeltrain wrote, changed by hand, is replaced by --force and kept beside it
    (flows / "monthly-release.yaml").write_text(monthly + "# edited\n")
    again = cli("init", "--no-lock", "--force", "--json", "--project", str(repo.root)).json()
    assert any("replaced .github/workflows/monthly-release.yaml" in n for n in again["notes"])
    kept = flows / "monthly-release.yaml.before-wheeltrain"
    assert kept.read_text().endswith("# edited\n")


def test_init_dry_run_says_what_it_would_write_and_writes_nothing(tmp_path: Path, cli: Cli) -> None:
    repo = GitRepo.create(tmp_path / "r", pyproject="[project]\nname = 'demo'\nversion = '0.1.0'\n")
    (repo.root / ".cz.toml").write_text("# mine\n")
    before = {
        p: p.read_bytes() for p in repo.root.rglob("*") if p.is_file() and ".git" not in p.parts
    }
    result = cli("init", "--dry-run", "--force", "--json", "--project", str(repo.root))
    assert result.code == 0, result.err
    report = result.json()
    assert ".github/workflows/monthly-release.yaml" in report["written"]
    assert "pyproject.toml [tool.wheeltrain]" in report["written"]
    assert "would replace .cz.toml (kept as .cz.toml.before-wheeltrain)" in report["notes"]
    after = {
        p: p.read_bytes() for p in repo.root.rglob("*") if p.is_file() and ".git" not in p.parts
    }
    assert after == before
    text = cli("init", "--dry-run", "--project", str(repo.root))
    assert "would write .github/workflows/monthly-release.yaml" in text.out
