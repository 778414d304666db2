"""``wheeltrain report``: a static release dashboard from an index's own data.

The plots are drawn by matplotlib (its object API, no pyplot state) as SVG and written into
one HTML file with its styles: the page needs no network, no script and no CDN. matplotlib is
the ``report`` extra (``pip install 'wheeltrain[report]'``), imported only here.
"""

from __future__ import annotations

import datetime
import html
import io
from collections.abc import Sequence

from wheeltrain.core.config import TrainConfig
from wheeltrain.core.receipt import Receipt
from wheeltrain.core.report import ReleaseRow
from wheeltrain.core.status import KINDS
from wheeltrain.errors import ConfigError

__all__ = ["BAR_VERSIONS", "render_page"]

#: The bar charts show the newest releases (by first upload); the tables show every one.
BAR_VERSIONS = 30
_KIND_COLOURS = {"monthly": "#1f77b4", "hotfix": "#d62728", "pre": "#2ca02c", "nightly": "#7f7f7f"}
_VARIANT_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2")


def _figure(width: float, height: float):  # type: ignore[no-untyped-def]
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError:
        raise ConfigError(
            "wheeltrain report draws with matplotlib, which is not installed: "
            "pip install 'wheeltrain[report]'"
        ) from None
    matplotlib.rcParams["svg.hashsalt"] = "wheeltrain"  # the same data, the same page
    return Figure(figsize=(width, height), layout="constrained")


def _svg(fig) -> str:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    fig.savefig(out, format="svg", metadata={"Date": None})
    text = out.getvalue()
    return text[text.index("<svg") :]


def _when(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _timeline(rows: Sequence[ReleaseRow]) -> str:
    fig = _figure(10, 2.8)
    ax = fig.add_subplot()
    for y, kind in enumerate(KINDS):
        dated = [r for r in rows if r.kind == kind and r.first_upload]
        ax.scatter([_when(r.first_upload) for r in dated if r.first_upload], [y] * len(dated),
                   s=36, color=_KIND_COLOURS[kind], label=f"{kind} ({len(dated)})")  # fmt: skip
    ax.set_yticks(range(len(KINDS)), list(KINDS))
    ax.set_ylim(-0.6, len(KINDS) - 0.4)
    ax.set_title("Releases over time, by kind (first upload of each version)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="upper left", fontsize="small", ncols=4)
    fig.autofmt_xdate()
    return _svg(fig)


def _bars(rows: Sequence[ReleaseRow], config: TrainConfig, what: str) -> str:
    shown = list(rows)[-BAR_VERSIONS:]
    fig = _figure(max(8.0, 0.45 * len(shown) + 2), 3.6)
    ax = fig.add_subplot()
    names = [v.name for v in config.variants]
    width = 0.8 / max(1, len(names))
    for i, name in enumerate(names):
        values: list[float] = []
        for row in shown:
            cell = next(v for v in row.variants if v.variant == name)
            if what == "files":
                values.append(cell.files)
            else:
                values.append((cell.bytes or 0) / 2**20)
        xs = [x + (i - (len(names) - 1) / 2) * width for x in range(len(shown))]
        ax.bar(xs, values, width, label=name, color=_VARIANT_COLOURS[i % len(_VARIANT_COLOURS)])
    ax.set_xticks(range(len(shown)), [r.version for r in shown], rotation=60, ha="right")
    if what == "files":
        ax.set_ylabel("files")
        ax.set_title("Files per release and variant")
    else:
        ax.set_ylabel("MiB")
        ax.set_title("Bytes per release and variant")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize="small")
    return _svg(fig)


def _lags(rows: Sequence[ReleaseRow]) -> str:
    shown = [r for r in rows if r.lag_hours is not None][-BAR_VERSIONS:]
    fig = _figure(max(8.0, 0.45 * len(shown) + 2), 3.2)
    ax = fig.add_subplot()
    ax.bar(range(len(shown)), [r.lag_hours or 0.0 for r in shown],
           color=[_KIND_COLOURS[r.kind] for r in shown])  # fmt: skip
    ax.set_xticks(range(len(shown)), [r.version for r in shown], rotation=60, ha="right")
    ax.set_ylabel("hours")
    ax.set_title("Lag between the first and the last variant's upload")
    ax.grid(axis="y", alpha=0.3)
    if not shown:
        ax.text(0.5, 0.5, "no version has uploads of two variants with times", ha="center",
                transform=ax.transAxes)  # fmt: skip
    return _svg(fig)


_STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
figure { margin: 1em 0; } svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: right; }
th:first-child, td:first-child, td.kind { text-align: left; }
.summary td { text-align: left; }
"""


def _receipts(receipts: Sequence[Receipt]) -> list[str]:
    """A table per release receipt: each file, its size and sha256, and who published it."""
    esc = html.escape
    out = []
    for receipt in receipts:
        state = (
            "complete" if receipt.complete else f"incomplete ({len(receipt.problems)} problem(s))"
        )
        who = (
            "attestations not required"
            if receipt.publisher is None
            else f"{receipt.publisher.repository} {' or '.join(receipt.publisher.workflows)}"
            + (
                f", environment {receipt.publisher.environment}"
                if receipt.publisher.environment
                else ""
            )
        )
        out += [
            f'<h2 id="receipt-{esc(receipt.version)}">Receipt of {esc(receipt.version)}: '
            f"{esc(state)}</h2>",
            f"<p>{esc(receipt.event)} release on {esc(receipt.index)}, made {esc(receipt.created)}; "
            f"{esc(who)}</p>",
            '<table class="receipt"><tr><th>file</th><th>bytes</th><th>sha256</th>'
            "<th>signed by</th></tr>",
        ]
        for item in receipt.files:
            signed = "; ".join(
                f"{i.repository} {i.workflow} @ {i.ref}"
                + (f" [{i.environment}]" if i.environment else "")
                for i in item.identities
                if i.workflow
            )
            out.append(
                f"<tr><td>{esc(item.filename)}</td><td>{'' if item.size is None else f'{item.size:,}'}"
                f"</td><td><code>{esc((item.sha256 or '')[:16])}</code></td>"
                f"<td>{esc(signed or '-')}</td></tr>"
            )
        out.append("</table>")
        out += [f'<p class="problem">{esc(p)}</p>' for p in receipt.problems]
    return out


def render_page(
    rows: Sequence[ReleaseRow],
    config: TrainConfig,
    where: str,
    receipts: Sequence[Receipt] = (),
) -> str:
    """The dashboard as one HTML document (with the release receipts given, if any)."""
    esc = html.escape
    names = [v.name for v in config.variants]
    counts = {kind: sum(1 for r in rows if r.kind == kind) for kind in KINDS}
    total_bytes = sum(r.bytes or 0 for r in rows)
    lags = [r.lag_hours for r in rows if r.lag_hours is not None]
    newest = max((r.first_upload for r in rows if r.first_upload), default=None)
    summary = [
        ("index", where),
        ("distributions", ", ".join(f"{v.name} = {v.distribution}" for v in config.variants)),
        ("versions", f"{len(rows)} ({', '.join(f'{k} {n}' for k, n in counts.items())})"),
        ("files", f"{sum(r.files for r in rows)}"),
        ("bytes", f"{total_bytes:,}"),
        ("largest lag", f"{max(lags):.2f} h" if lags else "n/a"),
        ("newest upload", newest or "n/a"),
    ]
    head = "".join(
        f"<th>{esc(n)} files</th><th>{esc(n)} bytes</th><th>{esc(n)} first upload</th>"
        for n in names
    )
    body = []
    for row in reversed(rows):
        cells = "".join(
            f'<td class="files" data-variant="{esc(v.variant)}">{v.files}</td>'
            f'<td class="bytes" data-variant="{esc(v.variant)}">'
            f"{'' if v.bytes is None or not v.files else f'{v.bytes:,}'}</td>"
            f"<td>{esc(v.first_upload or '')}</td>"
            for v in row.variants
        )
        lag = "" if row.lag_hours is None else f"{row.lag_hours:.2f}"
        body.append(
            f'<tr data-version="{esc(row.version)}"><td>{esc(row.version)}</td>'
            f'<td class="kind">{row.kind}</td>{cells}<td class="lag">{lag}</td></tr>'
        )
    figures = [
        _timeline(rows),
        _bars(rows, config, "files"),
        _bars(rows, config, "bytes"),
        _lags(rows),
    ]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>Releases of {esc(config.variants[0].distribution)}</title>",
            f"<style>{_STYLE}</style></head><body>",
            f"<h1>Releases of {esc(', '.join(v.distribution for v in config.variants))}</h1>",
            '<table class="summary">',
            *(
                f'<tr><th>{esc(k)}</th><td id="{k.replace(" ", "-")}">{esc(v)}</td></tr>'
                for k, v in summary
            ),
            "</table>",
            *(f"<figure>{svg}</figure>" for svg in figures),
            f"<h2>Every version ({len(rows)}), newest first</h2>",
            '<table class="releases"><tr><th>version</th><th>kind</th>'
            f"{head}<th>lag (hours)</th></tr>",
            *body,
            "</table>",
            *_receipts(receipts),
            "<p>Made by wheeltrain report from the index's own data (file names, sizes and "
            "upload times, PEP 691 and PEP 700).</p>",
            "</body></html>",
        ]
    )
