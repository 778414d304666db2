"""`wheeltrain notify`: tell the maintainers that a release run failed."""

from __future__ import annotations

import argparse
import os
from typing import Any

from wheeltrain.cli._output import emit, out_folder, scrub
from wheeltrain.errors import StepFailed, UsageError
from wheeltrain.stages import edge

#: service -> the environment variable holding its webhook URL (a secret in the workflow)
WEBHOOK_ENV = {"slack": "SLACK_WEBHOOK_URL", "discord": "DISCORD_WEBHOOK_URL"}


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "notify",
        parents=[common],
        help="report a failed release run: the issue text, and Slack or Discord messages",
        description="From the workflow's job results, write the title and body of the "
        "release-failure issue into --out (the workflow's issue job opens it, or comments on "
        "the open one) and post one message to each chat webhook whose URL is in "
        "$SLACK_WEBHOOK_URL or $DISCORD_WEBHOOK_URL. Webhook URLs are never printed.",
    )
    p.add_argument("--workflow", required=True, help="the workflow's name")
    p.add_argument("--run-url", required=True, metavar="URL", help="the run's page")
    p.add_argument("--results", required=True, metavar="JSON", help="toJSON(needs)")
    p.add_argument("--ref", help="the branch or tag the run released")
    p.add_argument("--out", metavar="DIR", help="write title.txt and body.md here")
    p.set_defaults(handler=cmd_notify)


def cmd_notify(args: argparse.Namespace) -> int:
    from wheeltrain.core.failure import as_dict, failure_report, parse_results

    results = parse_results(args.results)
    if not args.run_url.startswith(("https://", "http://")):
        raise UsageError("--run-url must be the run's http(s) address")
    report = failure_report(args.workflow, results, args.run_url, ref=args.ref)
    title, body, text = scrub(report.title), scrub(report.body), scrub(report.text)
    if not report.failed:
        raise UsageError("--results holds no failed or cancelled job: nothing to report")
    if args.out:
        out = out_folder(args.out, "--out")
        edge.write(out / "title.txt", title + "\n")
        edge.write(out / "body.md", body)
    posted, problems = [], []
    for service, variable in WEBHOOK_ENV.items():
        url = os.environ.get(variable, "").strip()
        if not url:
            continue
        try:
            edge.post_chat(service, url, text)
        except StepFailed as exc:
            problems.append(str(exc))
            continue
        posted.append(service)
    lines = [f"{title}: {', '.join(report.failed)} failed"]
    lines += [f"  posted to {service}" for service in posted]
    if args.out:
        lines.append(f"  issue text in {args.out}/title.txt and body.md")
    emit(args, "\n".join(lines), {**as_dict(report), "posted": posted, "problems": problems})
    if problems:
        raise StepFailed("; ".join(problems))
    return 0
