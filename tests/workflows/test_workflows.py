"""The release workflows: offline linters, hardening rules, commands that exist, no drift."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from wheeltrain.stages.commands.init import render_files

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yaml"))
ACTIONS = sorted((ROOT / ".github" / "actions").glob("*/action.yml"))


def load(path: Path) -> dict[str, Any]:
    data: dict[Any, Any] = yaml.safe_load(path.read_text())
    if True in data:  # YAML 1.1 reads the key `on` as a boolean
        data["on"] = data.pop(True)
    return data


RELEASES = [p for p in WORKFLOWS if p.name != "pr-title.yaml"]


def test_the_release_workflows_and_the_title_check_exist() -> None:
    assert [p.name for p in WORKFLOWS] == [
        "backfill.yaml",
        "hotfix-release.yaml",
        "monthly-release.yaml",
        "nightly.yaml",
        "pr-title.yaml",
        "release.yaml",
    ]


@pytest.mark.parametrize("path", WORKFLOWS + ACTIONS, ids=lambda p: str(p.relative_to(ROOT)))
def test_schema(path: Path) -> None:
    schema = "vendor.github-actions" if path.name == "action.yml" else "vendor.github-workflows"
    proc = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_zizmor_finds_nothing() -> None:
    proc = subprocess.run(
        [str(BIN / "zizmor"), "--offline", str(ROOT / ".github")], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout
    assert "No findings to report" in proc.stdout


def test_actionlint_is_clean() -> None:
    proc = subprocess.run(
        [str(BIN / "actionlint"), *map(str, WORKFLOWS)], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_triggers_and_inputs() -> None:
    monthly = load(ROOT / ".github/workflows/monthly-release.yaml")
    assert monthly["on"]["schedule"] == [{"cron": "23 5 1 * *"}]
    level = monthly["on"]["workflow_dispatch"]["inputs"]["level"]
    assert level["type"] == "choice" and level["options"] == ["auto", "major", "minor", "patch"]
    assert monthly["on"]["workflow_dispatch"]["inputs"]["dry-run"]["type"] == "boolean"
    hotfix = load(ROOT / ".github/workflows/hotfix-release.yaml")
    assert set(hotfix["on"]["workflow_dispatch"]["inputs"]) == {
        "base_version",
        "post_number",
        "description",
    }
    tag = load(ROOT / ".github/workflows/release.yaml")
    assert tag["on"]["push"] == {"tags": ["v*"]}
    # a tag that exists on GitHub cannot be pushed again: a half-done release is finished by hand
    assert set(tag["on"]["workflow_dispatch"]["inputs"]) == {"tag"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_hardening(path: Path) -> None:
    workflow = load(path)
    assert workflow["permissions"] == {}
    # a release is never cancelled half-way; a superseded title check may be
    assert workflow["concurrency"]["cancel-in-progress"] is (path.name == "pr-title.yaml")
    for name, job in workflow["jobs"].items():
        assert isinstance(job.get("timeout-minutes"), int), name
        perms = job.get("permissions", {})
        assert ("id-token" in perms) == (name == "publish"), name
        if perms.get("contents") == "write":
            assert name in ("push", "release", "merge-back"), name
        if name == "publish":  # the nightly goes to TestPyPI, everything else to PyPI
            assert job["environment"] == ("testpypi" if path.name == "nightly.yaml" else "pypi")
        for step in job.get("steps", []):
            uses = step.get("uses", "")
            if uses and not uses.startswith("./"):
                assert re.match(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40}$", uses), uses
            if uses.startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False
            run = step.get("run", "")
            assert not re.search(r"\$\{\{\s*(inputs\.|github\.event|github\.head_ref)", run), (
                name,
                run,
            )
    text = path.read_text()
    for line in text.splitlines():
        if "@" in line and "uses:" in line and "./" not in line:
            assert re.search(r"@[0-9a-f]{40} # v\d", line), line


def test_publishing_sits_in_each_top_level_workflow() -> None:
    for path in RELEASES:
        jobs = load(path)["jobs"]
        steps = jobs["publish"]["steps"]
        assert any("pypa/gh-action-pypi-publish@" in s.get("uses", "") for s in steps), path
        assert not any("uses" in job for job in jobs.values()), "no reusable workflow publishes"


def test_the_publish_job_sends_only_what_the_check_job_found_missing() -> None:
    """wheeltrain's publish guarantees hold on GitHub: the check job asks the index (a
    different file under an existing name stops the release there); the publish job installs
    nothing and uploads only those files; an API token only when the variable chooses it."""
    for path in RELEASES:
        jobs = load(path)["jobs"]
        publish = jobs["publish"]["steps"]
        assert not any("wheeltrain-setup" in s.get("uses", "") for s in publish), path
        assert not any("pip install" in s.get("run", "") for s in publish), path
        fetch = next(s for s in publish if "download-artifact@" in s.get("uses", ""))
        assert fetch["with"]["name"] == "to-publish", path
        upload = next(s for s in publish if "gh-action-pypi-publish@" in s.get("uses", ""))
        assert upload["with"]["packages-dir"] == "to-publish/files/", path
        assert upload["if"] == "${{ steps.files.outputs.any == 'true' }}", path
        password = upload["with"]["password"]
        assert password.startswith("${{ vars.WHEELTRAIN_PUBLISH_WITH_TOKEN == 'true' &&"), path
        assert "check" in jobs["publish"]["needs"] or "push" in jobs["publish"]["needs"], path
    check = load(ROOT / ".github" / "actions" / "wheeltrain-check" / "action.yml")
    runs = " ".join(s.get("run", "") for s in check["runs"]["steps"])
    assert "wheeltrain publish dist" in runs and "--dry-run --stage-to to-publish/files" in runs


def test_no_job_that_can_write_installs_anything() -> None:
    """A job holding a write permission (contents, id-token) runs no pip and no action that
    installs wheeltrain; the installing jobs install only hash-checked versions."""
    installing = {f"./.github/actions/{name}" for name in ("wheeltrain-setup", "wheeltrain-build",
                  "wheeltrain-check", "wheeltrain-verify")}  # fmt: skip
    for path in WORKFLOWS:
        for name, job in load(path)["jobs"].items():
            permissions = job.get("permissions", {})
            if not any(v == "write" for v in permissions.values()):
                continue
            for step in job.get("steps", []):
                assert step.get("uses") not in installing, (path.name, name, step)
                assert "pip install" not in step.get("run", ""), (path.name, name, step)
    setup = load(ROOT / ".github" / "actions" / "wheeltrain-setup" / "action.yml")
    runs = [s.get("run", "") for s in setup["runs"]["steps"]]
    installs = [line.strip() for run in runs for line in run.splitlines() if "pip install" in line]
    assert installs == [
        "python -m pip install --disable-pip-version-check --require-hashes --no-deps -r "
        ".github/wheeltrain/requirements.txt",
        "python -m pip install --disable-pip-version-check --no-deps .",
    ]


def test_what_users_get_holds_no_test_hooks() -> None:
    """The act tests apply their own overlay (tests/support/act): no act branch, no test
    variable, no matrix filter in the shipped files."""
    for rel, text in render_files(".").items():
        for hook in ("env.ACT", "WHEELTRAIN_ACT", "MATRIX_FILTER", "under act"):
            assert hook not in text, (rel, hook)


def test_the_environment_approval_gates_the_tag_push() -> None:
    """With required reviewers on `pypi`, nothing becomes public before approval: the job that
    pushes the tag waits for it as the upload does (a rejection leaves no tag)."""
    for name in ("monthly-release.yaml", "hotfix-release.yaml"):
        jobs = load(ROOT / ".github" / "workflows" / name)["jobs"]
        assert jobs["push"]["environment"] == "pypi", name
        assert jobs["publish"]["environment"] == "pypi", name
        assert "push" in jobs["publish"]["needs"], name


def test_a_fork_never_releases() -> None:
    """Each release workflow starts with one job guarded against forks; every other job needs
    it, directly or through others, so a fork's copy stops at the start."""
    for path in RELEASES:
        jobs = load(path)["jobs"]
        first = [name for name, job in jobs.items() if "needs" not in job]
        assert len(first) == 1, (path.name, first)
        assert jobs[first[0]]["if"] == "${{ !github.event.repository.fork }}", path.name


def test_a_failed_run_is_reported_by_a_job_that_needs_every_other_one() -> None:
    for path in RELEASES:
        jobs = load(path)["jobs"]
        notify, issue = jobs["notify"], jobs["issue"]
        assert notify["if"] == "${{ failure() }}", path.name
        assert sorted(notify["needs"]) == sorted(set(jobs) - {"notify", "issue"}), path.name
        assert notify["permissions"] == {"contents": "read"}, path.name
        assert issue["permissions"] == {"issues": "write"}, path.name
        assert issue["needs"] == "notify", path.name


def test_dependabot_keeps_the_pinned_actions_and_tools_current() -> None:
    path = ROOT / ".github" / "dependabot.yml"
    proc = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.dependabot", str(path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    updates = {u["package-ecosystem"]: u for u in yaml.safe_load(path.read_text())["updates"]}
    assert updates["github-actions"]["directories"] == ["/", "/.github/actions/*"]
    assert updates["pip"]["directory"] == "/.github/wheeltrain"


def invocations() -> list[tuple[str, list[str]]]:
    found = []
    for path in WORKFLOWS + ACTIONS:
        data = load(path)
        steps = [s for job in data.get("jobs", {}).values() for s in job.get("steps", [])]
        steps += data.get("runs", {}).get("steps", [])
        for step in steps:
            for line in step.get("run", "").splitlines():
                line = line.strip()
                if line.startswith("wheeltrain "):
                    cleaned = re.sub(r"\$\{POST:\+--post \"\$POST\"\}", "--post X", line)
                    words = shlex.split(cleaned.split(">")[0])
                    found.append((str(path.relative_to(ROOT)), words[1:]))
    return found


def test_every_wheeltrain_command_in_the_workflows_exists() -> None:
    calls = invocations()
    called = {" ".join(w for w in words[:2] if not w.startswith(("-", "$"))) for _, words in calls}
    for needed in (
        "plan",
        "release monthly",
        "hotfix plan",
        "hotfix release",
        "matrix",
        "build",
        "check dist",
        "verify",
        "smoke",
        "current",
        "changelog",
    ):
        assert needed in called, needed
    for where, words in calls:
        command = [w for w in words if not w.startswith("-") and not w.startswith("$")]
        flags = [w.split("=")[0] for w in words if w.startswith("--")]
        path = command[:2] if command[:1] in (["release"], ["hotfix"]) else command[:1]
        proc = subprocess.run(
            [str(BIN / "wheeltrain"), *path, "--help"], capture_output=True, text=True
        )
        assert proc.returncode == 0, (where, path, proc.stderr)
        for flag in flags:
            assert flag in proc.stdout, (where, path, flag)


def test_the_repository_holds_exactly_what_init_renders() -> None:
    for rel, text in render_files(".").items():
        if rel in ("RELEASE_QUICKSTART.md", "docs/RELEASE_PLAN.md"):
            continue  # this repository's release documents are the full ones (tests/docs)
        assert (ROOT / rel).read_text() == text, (
            f"{rel} drifted from its template: run wheeltrain init --install . --no-config --force"
        )
