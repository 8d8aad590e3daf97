"""Charts drawn from a worksheet's answers, by ``chart.kind``.

Figures are built with matplotlib's object API (no pyplot state), so workbook builds can draw in
worker processes and threads. Every chart renders even with no data: it then says what to fill in.
"""
from __future__ import annotations

import base64
import datetime as dt
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from matplotlib.figure import Figure

from . import definitions as defs

PALETTE = ["#2a6f97", "#e07a5f", "#3d405b", "#81b29a", "#f2cc8f", "#6d597a", "#b56576", "#468faf"]


@dataclass
class Drawn:
    figure: Figure
    alt: str  # text alternative: what the chart shows, in one or two sentences

    def png(self, dpi: int = 150) -> bytes:
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
        return buf.getvalue()

    def png_base64(self) -> str:
        return base64.b64encode(self.png()).decode("ascii")


def _empty(fig: Figure, message: str) -> None:
    ax = fig.add_subplot()
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True, fontsize=11, color="#555")


def _date(v) -> dt.date | None:
    try:
        return dt.date.fromisoformat(v) if v else None
    except (TypeError, ValueError):
        return None


def gantt(spec: defs.Chart, rows, title: str) -> Drawn:
    o = spec.options
    label_col, start_col, end_col, group_col = (o.get("label"), o.get("start"), o.get("end"), o.get("group"))
    bars = []
    for i, r in enumerate(rows or [], 1):
        start, end = _date(r.get(start_col)), _date(r.get(end_col))
        if start and not end:
            end = start
        if end and not start:
            start = end
        if not start:
            continue
        if end < start:
            start, end = end, start
        bars.append(((r.get(label_col) or f"Row {i}").strip() or f"Row {i}", start, end,
                     (r.get(group_col) or "").strip() or "(no goal)"))
    fig = Figure(figsize=(8, max(2.2, 0.45 * len(bars) + 1.4)))
    if not bars:
        _empty(fig, "No dated rows yet.\nGive plan rows a start and due date to see the timeline.")
        return Drawn(fig, f"{title}: no dated plan rows yet.")
    ax = fig.add_subplot()
    groups = list(dict.fromkeys(b[3] for b in bars))
    for y, (label, start, end, group) in enumerate(bars):
        days = max((end - start).days, 1)
        ax.barh(y, days, left=start, height=0.6, color=PALETTE[groups.index(group) % len(PALETTE)],
                label=group if group not in ax.get_legend_handles_labels()[1] else None)
    ax.set_yticks(range(len(bars)), [_short(b[0]) for b in bars])
    ax.invert_yaxis()
    ax.xaxis_date()
    fig.autofmt_xdate()
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(title)
    if len(groups) > 1 or groups != ["(no goal)"]:
        ax.legend(loc="lower right", fontsize=8, title="Goal", title_fontsize=8)
    first, last = min(b[1] for b in bars), max(b[2] for b in bars)
    return Drawn(fig, f"{title}: {len(bars)} actions under {len(groups)} goal(s), "
                      f"from {first:%d %b %Y} to {last:%d %b %Y}.")


def _short(text: str, n: int = 38) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


KINDS: dict[str, Callable[[defs.Chart, object, str], Drawn]] = {"gantt": gantt}


def draw(ws: defs.Worksheet, answers: Mapping) -> Drawn | None:
    """The worksheet's chart drawn from ``answers`` (any mapping of key → value), or None."""
    if not ws.chart:
        return None
    try:
        fn = KINDS[ws.chart.kind]
    except KeyError:
        raise defs.DefinitionError(f"{ws.key}: unknown chart kind {ws.chart.kind!r}; "
                                   f"known: {', '.join(KINDS)}") from None
    value = answers.get(ws.field(ws.chart.field).key)
    return fn(ws.chart, value, ws.chart.title or ws.title)
