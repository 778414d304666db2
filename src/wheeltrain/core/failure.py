"""What a failed release run tells its maintainers: which jobs failed, what state that leaves,
and what to do. Pure: built from the workflow's job results (``toJSON(needs)``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

from wheeltrain.errors import UsageError

__all__ = ["HINTS", "FailureReport", "as_dict", "failure_report", "parse_results"]

#: Per job of the release workflows: the state a failure there leaves, and what to do.
HINTS: dict[str, str] = {
    "plan": "nothing pushed, nothing published: fix the cause and run the workflow again",
    "prepare": "nothing pushed, nothing published: fix the cause and run the workflow again",
    "build": "nothing pushed, nothing published: the build log is an artifact of the run; fix "
    "the cause and run the workflow again",
    "check": "nothing pushed, nothing published: a file breaks a rule of the release, or the "
    "index holds a different file under the same name; fix the cause and run the workflow again",
    "push": "nothing pushed (the push is atomic): when the branch moved, run the workflow "
    "again; a protected branch needs the release App on its bypass list",
    "publish": "the tag is pushed, some files may be on PyPI, the release is a draft: re-run "
    "the failed jobs, or re-push the tag to run release.yaml",
    "verify": "everything uploaded, the release is still a draft: wait for PyPI and re-run "
    "the failed jobs",
    "release": "published and verified: make the draft release public by hand, or re-run",
}


class FailureReport(NamedTuple):
    title: str
    body: str  # Markdown, for the issue
    text: str  # one paragraph, for chat webhooks
    failed: tuple[str, ...]


def parse_results(text: str) -> dict[str, str]:
    """Job -> result from the workflow's ``toJSON(needs)``."""
    try:
        data = json.loads(text)
    except ValueError:
        raise UsageError("--results is not JSON: pass the workflow's toJSON(needs)") from None
    except RecursionError:
        raise UsageError(
            "--results nests deeper than a workflow's toJSON(needs) ever does: pass that"
        ) from None
    if not isinstance(data, Mapping):
        raise UsageError("--results must be a JSON object of job -> {result: ...}")
    results = {}
    for job, value in data.items():
        result = value.get("result") if isinstance(value, Mapping) else None
        if not isinstance(result, str):
            raise UsageError(f"--results: job {job!r} has no result")
        results[str(job)] = result
    return results


def failure_report(
    workflow: str, results: Mapping[str, str], run_url: str, *, ref: str | None = None
) -> FailureReport:
    """The report of a run whose ``results`` has at least one failed or cancelled job."""
    failed = tuple(job for job, result in results.items() if result in ("failure", "cancelled"))
    title = f"Release failed: {workflow}"
    where = f" on {ref}" if ref else ""
    lines = [
        f"The **{workflow}** run{where} failed: {run_url}",
        "",
        "| job | result | state and what to do |",
        "|---|---|---|",
    ]
    for job, result in results.items():
        hint = HINTS.get(job, "") if job in failed else ""
        lines.append(f"| {job} | {result} | {hint} |")
    lines += ["", "Opened by `wheeltrain notify`; each further failure adds a comment."]
    stages = ", ".join(failed) or "no job"
    first = failed[0] if failed else ""
    hint = HINTS.get(first, "")
    hint = f"{hint[:1].upper()}{hint[1:]}. " if hint else ""
    text = f"{title}{where}: {stages} failed. {hint}{run_url}"
    return FailureReport(title, "\n".join(lines) + "\n", " ".join(text.split()), failed)


def as_dict(report: FailureReport) -> dict[str, Any]:
    return {"title": report.title, "failed": list(report.failed), "text": report.text}
