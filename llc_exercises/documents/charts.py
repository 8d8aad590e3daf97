"""Charts drawn from a worksheet's answers, by ``chart.kind``.

Figures are built with matplotlib's object API (no pyplot state), so workbook builds can draw in
worker processes and threads. Every chart renders even with no data: it then says what to fill in.
"""
from __future__ import annotations

import base64
import datetime as dt
import io
import re
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..core import definitions as defs
from ..core import years
from ..core.derived import QUADRANTS, quadrant_groups, target_value
from ..core.values import level, number

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _figure(**kw) -> Figure:
    """A new figure; matplotlib is imported on the first chart, not when a notebook starts."""
    from matplotlib.figure import Figure

    return Figure(**kw)

# Participants' text is text: "$5 to $10" must not become matplotlib maths.
PLAIN_TEXT: dict = {"text.parse_math": False}

# The kit's two colours, as static/palette.css names them (--llc-brand, --llc-accent; a test checks):
# matplotlib and SVG drawings take them from here, pages from the stylesheet.
BRAND, ACCENT = "#1d3557", "#2a6f97"
PALETTE = [ACCENT, "#e07a5f", "#3d405b", "#81b29a", "#f2cc8f", "#6d597a", "#b56576", "#468faf"]


@dataclass
class Drawn:
    figure: Figure
    alt: str  # text alternative: what the chart shows, in one or two sentences

    def png(self, dpi: int = 150) -> bytes:
        import matplotlib

        buf = io.BytesIO()
        with matplotlib.rc_context(PLAIN_TEXT):  # tick labels are made while saving
            self.figure.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
        return buf.getvalue()

    def png_base64(self) -> str:
        return base64.b64encode(self.png()).decode("ascii")

    def svg(self) -> bytes:
        """Vector drawing for pages and print: sharp at any zoom, and 2–3× quicker to make than a
        150 dpi PNG. Text stays text (selectable in the PDF); ids are fixed so builds repeat."""
        import matplotlib

        buf = io.BytesIO()
        with matplotlib.rc_context({**PLAIN_TEXT, "svg.fonttype": "none", "svg.hashsalt": "leading-edge"}):
            self.figure.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
        return buf.getvalue()


def _empty(fig: Figure, message: str) -> None:
    ax = fig.add_subplot()
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True, fontsize=11, color="#555")


def _date(v) -> dt.date | None:
    try:
        return dt.date.fromisoformat(v) if v else None
    except (TypeError, ValueError):
        return None


def gantt(spec: defs.Chart, ws: defs.Worksheet, answers: Mapping, title: str) -> Drawn:
    o, rows = spec.options, _rows(spec, ws, answers)
    label_col, start_col, end_col, group_col = (o.get("label"), o.get("start"), o.get("end"), o.get("group"))
    bars = []
    for i, r in enumerate(rows or [], 1):
        start, end = _date(r.get(start_col)), _date(r.get(end_col))
        start, end = start or end, end or start  # one date alone marks a one-day action
        if start is None or end is None:
            continue
        if end < start:
            start, end = end, start
        bars.append(((r.get(label_col) or f"Row {i}").strip() or f"Row {i}", start, end,
                     (r.get(group_col) or "").strip() or "(no goal)"))
    if not bars:
        fig = _figure(figsize=(8, 2.2))
        _empty(fig, "No dated rows yet.\nGive plan rows a start and due date to see the timeline.")
        return Drawn(fig, f"{title}: no dated plan rows yet.")
    groups = list(dict.fromkeys(b[3] for b in bars))
    keyed = len(groups) > 1 or groups != ["(no goal)"]
    # The key sits below the plot, outside the axes, so no bar is ever hidden under it whatever the
    # dates; the figure grows by the key's height (goals wrapped, in two columns) so the bars keep theirs.
    names = [textwrap.fill(g, 52) for g in groups]
    ncols, per_col = min(len(names), 2), -(-len(names) // 2)  # matplotlib fills the key column by column
    key_lines = max(sum(n.count("\n") + 1 for n in names[i:i + per_col]) for i in range(0, len(names), per_col))
    height = max(2.2, 0.45 * len(bars) + 1.4) + (0.5 + 0.18 * key_lines if keyed else 0)
    fig = _figure(figsize=(8, height), layout="constrained")  # constrained: room for the key and dates
    ax = fig.add_subplot()
    for y, (_label, start, end, group) in enumerate(bars):
        days = max((end - start).days, 1)
        # matplotlib converts dates through its unit registry; its type stubs do not say so
        ax.barh(y, days, left=start, height=0.6,  # type: ignore[arg-type]
                color=PALETTE[groups.index(group) % len(PALETTE)])
    ax.set_yticks(range(len(bars)), [_short(b[0]) for b in bars])
    ax.invert_yaxis()
    ax.xaxis_date()
    fig.autofmt_xdate()
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(title)
    if keyed:
        from matplotlib.patches import Patch

        swatches = [Patch(color=PALETTE[i % len(PALETTE)]) for i in range(len(groups))]
        fig.legend(swatches, names, loc="outside lower center", ncols=ncols, fontsize=8, title="Goal",
                   title_fontsize=8, frameon=False)
    first, last = min(b[1] for b in bars), max(b[2] for b in bars)
    return Drawn(fig, f"{title}: {len(bars)} actions under {len(groups)} goal(s), "
                      f"from {first:%d %b %Y} to {last:%d %b %Y}.")


def _short(text: str, n: int = 38) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"




# ---- helpers shared by the table-driven kinds ---------------------------------------------------
def _rows(spec: defs.Chart, ws: defs.Worksheet, answers: Mapping) -> list[dict]:
    value = answers.get(ws.field(spec.field).key)
    return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []


def _column(spec: defs.Chart, ws: defs.Worksheet, option: str) -> defs.Field:
    return ws.field(spec.field).column(spec.options[option])


def _label(row: dict, spec: defs.Chart, i: int) -> str:
    text = str(row.get(spec.options.get("label")) or "").strip()
    return text or f"Row {i}"


# ---- kinds --------------------------------------------------------------------------------------
def wrap(text: str, width: int) -> str:
    """A chart label on at most three lines of ``width`` characters, cut with an ellipsis."""
    return textwrap.fill(text, width, max_lines=3, placeholder="…")


def power_interest(spec, ws, answers, title) -> Drawn:
    pcol, icol = _column(spec, ws, "power"), _column(spec, ws, "interest")
    rated, groups, unrated = quadrant_groups(_rows(spec, ws, answers), spec.options.get("label"), pcol, icol)
    pmid, imid = (len(pcol.levels) + 1) / 2, (len(icol.levels) + 1) / 2
    fig = _figure(figsize=(8.5, 6.5))
    ax = fig.add_subplot()
    ax.set_xlim(0.5, len(icol.levels) + 0.5)
    ax.set_ylim(0.5, len(pcol.levels) + 0.5)
    ax.axhline(pmid, color="#999", lw=1)
    ax.axvline(imid, color="#999", lw=1)
    for (hp, hi), name in QUADRANTS.items():
        ax.text(len(icol.levels) + 0.45 if hi else 0.55, len(pcol.levels) + 0.45 if hp else 0.55, name,
                ha="right" if hi else "left", va="top" if hp else "bottom", fontsize=10,
                color=ACCENT, weight="bold")  # solid: at 80% it read 3.7:1 on white, under AA's 4.5:1
    cell: dict[tuple, list[str]] = {}
    for label, p, q in rated:
        cell.setdefault((p, q), []).append(label)
    for (p, q), labels in cell.items():
        # One dot per cell, its stakeholders stacked beside it, so no label hides another.
        ax.scatter([q], [p], s=40 + 25 * len(labels), color=PALETTE[0], zorder=3)
        ax.annotate("\n".join(_short(lb, 26) for lb in labels), (q, p), xytext=(6, 0),
                    textcoords="offset points", fontsize=7.5, va="center")
    ax.set_xticks(range(1, len(icol.levels) + 1), [wrap(lv, 12) for lv in icol.levels], fontsize=8)
    ax.set_yticks(range(1, len(pcol.levels) + 1), [wrap(lv, 14) for lv in pcol.levels], fontsize=8)
    ax.set_xlabel(icol.label)
    ax.set_ylabel(pcol.label)
    ax.set_title(title)
    if unrated:
        fig.text(0.01, 0.005, "Not yet rated: " + _short(", ".join(unrated), 110), fontsize=8, color="#a4161a")
    if not rated:
        ax.text(len(icol.levels) / 2 + 0.5, pmid, "Rate power and interest to place stakeholders",
                ha="center", va="center", color="#555")
    parts = [f"{k}: {', '.join(v)}" for k, v in groups.items() if v]
    alt = f"{title}: {len(rated)} stakeholder(s) placed" + ("; " + "; ".join(parts) if parts else "")
    return Drawn(fig, alt + (f"; not yet rated: {', '.join(unrated)}." if unrated else "."))


def radar(spec, ws, answers, title) -> Drawn:
    import math

    col = _column(spec, ws, "value")
    rows = _rows(spec, ws, answers)
    labels = [_label(r, spec, i) for i, r in enumerate(rows, 1)]
    values = [level(r.get(col.id), len(col.levels)) for r in rows]
    fig = _figure(figsize=(6.5, 6))
    rated = [v for v in values if v]
    if len(labels) < 3 or not rated:
        _empty(fig, "Rate at least three skills to see your profile.")
        return Drawn(fig, f"{title}: not enough ratings yet.")
    ax = fig.add_subplot(projection="polar")
    angles = [2 * math.pi * i / len(labels) for i in range(len(labels))]
    vals = [v or 0 for v in values]
    ax.plot(angles + angles[:1], vals + vals[:1], color=PALETTE[0])
    ax.fill(angles + angles[:1], vals + vals[:1], color=PALETTE[0], alpha=0.25)
    ax.set_xticks(angles, [wrap(lb, 16) + ("" if v else "\n(not rated)") for lb, v in zip(labels, values)],
                  fontsize=8)
    ax.set_ylim(0, len(col.levels))
    ax.set_yticks(range(1, len(col.levels) + 1), [wrap(lv, 14) for lv in col.levels], fontsize=7)
    ax.set_title(title, pad=18)
    best = max((v, lb) for lb, v in zip(labels, values) if v)
    low = min((v, lb) for lb, v in zip(labels, values) if v)
    return Drawn(fig, f"{title}: {len(rated)} of {len(labels)} rated; strongest {best[1]} "
                      f"({col.levels[best[0] - 1]}), weakest {low[1]} ({col.levels[low[0] - 1]}).")


def matrix(spec, ws, answers, title) -> Drawn:
    rcol, ccol, vcol = (_column(spec, ws, k) for k in ("row", "col", "value"))
    cells = {}
    for r in _rows(spec, ws, answers):
        a, b = str(r.get(rcol.id) or "").strip(), str(r.get(ccol.id) or "").strip()
        if a and b:
            cells[(a, b)] = level(r.get(vcol.id), len(vcol.levels))
    fig = _figure(figsize=(8, 5))
    if not cells:
        _empty(fig, f"Add rows pairing a {rcol.label.lower()} with a {ccol.label.lower()} to see the matrix.")
        return Drawn(fig, f"{title}: no pairs yet.")
    rows = list(dict.fromkeys(a for a, _ in cells))
    cols = list(dict.fromkeys(b for _, b in cells))
    grid = [[cells.get((a, b)) or 0 for b in cols] for a in rows]
    fig.set_size_inches(max(6, 1.6 * len(cols) + 3), max(3, 0.7 * len(rows) + 2))
    ax = fig.add_subplot()
    img = ax.imshow(grid, cmap="Blues", vmin=0, vmax=len(vcol.levels), aspect="auto")
    for i, a in enumerate(rows):
        for j, b in enumerate(cols):
            v = cells.get((a, b))
            ax.text(j, i, vcol.levels[v - 1] if v else ("not rated" if (a, b) in cells else ""),
                    ha="center", va="center", fontsize=8, color="white" if (v or 0) > len(vcol.levels) / 2 else "#222")
    ax.set_xticks(range(len(cols)), [wrap(c, 18) for c in cols], fontsize=8)
    ax.set_yticks(range(len(rows)), [wrap(a, 28) for a in rows], fontsize=8)
    ax.set_xlabel(ccol.label)
    ax.set_ylabel(rcol.label)
    ax.set_title(title)
    fig.colorbar(img, ax=ax, ticks=range(len(vcol.levels) + 1), label=vcol.label, shrink=0.8)
    strong = [f"{a} ↔ {b}" for (a, b), v in cells.items() if v == len(vcol.levels)]
    return Drawn(fig, f"{title}: {len(rows)} × {len(cols)} grid, {len(cells)} pair(s)"
                      + (f"; strongest: {', '.join(strong)}." if strong else "."))


def logic_model(spec, ws, answers, title) -> Drawn:
    import textwrap

    stages = [ws.field(fid) for fid in spec.options.get("stages", [])]
    fig = _figure(figsize=(11, 4.4))
    from matplotlib.patches import FancyBboxPatch

    ax = fig.add_subplot()
    ax.set_xlim(0, len(stages))
    ax.set_ylim(0, 1.02)
    ax.axis("off")
    filled = 0
    for i, f in enumerate(stages):
        text = str(answers.get(f.key) or "").strip()
        filled += bool(text)
        name = re.split(r"\s[—(-]\s?|\?", f.label)[0].strip()
        ax.add_patch(FancyBboxPatch((i + 0.06, 0.05), 0.8, 0.78, boxstyle="round,pad=0.02",
                                    facecolor="#e9eef4" if text else "#fafafa",
                                    edgecolor=PALETTE[i % len(PALETTE)], lw=1.5))
        ax.text(i + 0.46, 0.91, wrap(name, 14), ha="center", va="center", weight="bold", fontsize=8)
        body = textwrap.fill(_short(text, 190), 22) if text else "(not filled yet)"
        ax.text(i + 0.46, 0.44, body, ha="center", va="center", fontsize=7,
                color="#222" if text else "#666", style="normal" if text else "italic")  # 5.5:1 on #fafafa
        if i < len(stages) - 1:
            ax.annotate("", xy=(i + 1.06, 0.44), xytext=(i + 0.88, 0.44),
                        arrowprops={"arrowstyle": "->", "color": "#555", "lw": 1.5})
    ax.set_title(title)
    names = " → ".join(re.split(r"\s[—(-]\s?|\?", f.label)[0].strip() for f in stages)
    return Drawn(fig, f"{title}: {names}; {filled} of {len(stages)} stages filled.")


def timeseries(spec, ws, answers, title) -> Drawn:
    dcol, vcol = _column(spec, ws, "date"), _column(spec, ws, "value")
    gid = spec.options.get("group")
    totals: dict[str, dict[str, float]] = {}
    for r in _rows(spec, ws, answers):
        d, v = _date(r.get(dcol.id)), number(r.get(vcol.id))
        if d and v is not None:
            g = str(r.get(gid) or "").strip() or "(unspecified)" if gid else vcol.label
            totals.setdefault(g, {}).setdefault(f"{d:%Y-%m}", 0.0)
            totals[g][f"{d:%Y-%m}"] += v
    return monthly(totals, vcol.label, title)


def monthly(totals: dict[str, dict[str, float]], what: str, title: str) -> Drawn:
    """Monthly totals, one line per group. Also used for the sample outreach data."""
    fig = _figure(figsize=(8, 4))
    months = sorted({m for g in totals.values() for m in g})
    if not months:
        _empty(fig, f"No dated rows with a number for {what.lower()} yet.")
        return Drawn(fig, f"{title}: nothing logged yet.")
    ax = fig.add_subplot()
    for i, (g, by_month) in enumerate(sorted(totals.items())):
        ax.plot(months, [by_month.get(m, 0) for m in months], marker="o", label=g,
                color=PALETTE[i % len(PALETTE)])
    ax.set_ylabel(what)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    if len(totals) > 1:
        ax.legend(fontsize=8)
    per_month = {m: sum(g.get(m, 0) for g in totals.values()) for m in months}
    peak = max(per_month, key=lambda m: per_month[m])
    return Drawn(fig, f"{title}: {what} by month, {months[0]} to {months[-1]}; total "
                      f"{sum(per_month.values()):,.0f}; peak {peak} ({per_month[peak]:,.0f}).")


def progress(spec, ws, answers, title) -> Drawn:
    vcol = _column(spec, ws, "value")
    gid = spec.options.get("group")
    by_group: dict[str, float] = {}
    for r in _rows(spec, ws, answers):
        v = number(r.get(vcol.id))
        if v:
            g = (str(r.get(gid) or "").strip() or "(unspecified)") if gid else vcol.label
            by_group[g] = by_group.get(g, 0) + v
    target = target_value(spec.options.get("target"), ws, answers)
    total = sum(by_group.values())
    fig = _figure(figsize=(8, 2.6))
    ax = fig.add_subplot()
    left = 0.0
    for i, (g, v) in enumerate(sorted(by_group.items())):
        ax.barh([0], [v], left=left, color=PALETTE[i % len(PALETTE)], label=f"{g} ({v:g})")
        left += v
    if target:
        ax.axvline(target, color="#a4161a", lw=2)
        ax.text(target, 0.45, f" target {target:g}", color="#a4161a", va="bottom", fontsize=9)
    ax.set_xlim(0, max(total, target or 0, 1) * 1.15)
    ax.set_yticks([])
    ax.set_xlabel(vcol.label)
    ax.set_title(title)
    if by_group:
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.45), ncol=3, frameon=False)
    else:
        ax.text(0.02, 0, "Nothing logged yet", va="center", color="#555", transform=ax.get_yaxis_transform())
    goal = f" of a {target:g} target ({100 * total / target:.0f}%)" if target else " (no target set)"
    return Drawn(fig, f"{title}: {total:g} {vcol.label.lower()} logged{goal}.")


def levels(spec, ws, answers, title) -> Drawn:
    col = _column(spec, ws, "value")
    rows = [(_label(r, spec, i), level(r.get(col.id), len(col.levels)))
            for i, r in enumerate(_rows(spec, ws, answers), 1)]
    rated = sorted([(v, lb) for lb, v in rows if v])
    unrated = [lb for lb, v in rows if not v]
    fig = _figure(figsize=(8, max(2.4, 0.42 * len(rated) + 1.6)))
    if not rated:
        _empty(fig, "Rate the areas to see where your program stands.")
        return Drawn(fig, f"{title}: nothing rated yet.")
    ax = fig.add_subplot()
    lowest = rated[0][0]
    ax.barh(range(len(rated)), [v for v, _ in rated],
            color=["#e07a5f" if v == lowest else PALETTE[0] for v, _ in rated])
    ax.set_yticks(range(len(rated)), [wrap(lb, 30) for _, lb in rated], fontsize=8)
    ax.set_xlim(0, len(col.levels) + 0.2)
    ax.set_xticks(range(1, len(col.levels) + 1), [wrap(lv, 12) for lv in col.levels], fontsize=7)
    ax.invert_yaxis()
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(title)
    if unrated:
        fig.text(0.01, 0.005, "Not yet rated: " + _short(", ".join(unrated), 110), fontsize=8, color="#a4161a")
    lows = [lb for v, lb in rated if v == lowest]
    return Drawn(fig, f"{title}: {len(rated)} area(s) rated; lowest: {', '.join(lows)} "
                      f"({col.levels[lowest - 1]})" + (f"; not yet rated: {', '.join(unrated)}." if unrated else "."))


KINDS: dict[str, Callable[[defs.Chart, defs.Worksheet, Mapping, str], Drawn]] = {
    "gantt": gantt, "power_interest": power_interest, "radar": radar, "matrix": matrix,
    "logic_model": logic_model, "timeseries": timeseries, "progress": progress, "levels": levels,
}


def draw(ws: defs.Worksheet, answers: Mapping) -> Drawn | None:
    """The worksheet's chart drawn from ``answers`` (any mapping of key → value), or None."""
    if not ws.chart:
        return None
    try:
        fn = KINDS[ws.chart.kind]
    except KeyError:
        raise defs.DefinitionError(f"{ws.key}: unknown chart kind {ws.chart.kind!r}; "
                                   f"known: {', '.join(KINDS)}") from None
    import matplotlib

    with matplotlib.rc_context(PLAIN_TEXT):
        return fn(ws.chart, ws, answers, ws.chart.title or ws.title)


def levels_chart(c: years.Comparison) -> Drawn:
    """Grouped bars: each area's level last year and this year. The years differ by fill pattern as
    well as colour (last year hatched), and the key names them."""
    import matplotlib
    from matplotlib.figure import Figure

    title = f"Self-assessment levels, {c.last_year} beside {c.this_year}"
    rated = [r for r in c.areas if r.last or r.this]
    with matplotlib.rc_context(PLAIN_TEXT):  # area names are participant text, never maths
        fig = Figure(figsize=(8, max(2.6, 0.5 * len(rated) + 1.8)), layout="constrained")
        if not rated:
            ax = fig.add_subplot()
            ax.axis("off")
            ax.text(0.5, 0.5, "No area rated in either year yet.", ha="center", va="center", color="#555")
            return Drawn(fig, years.levels_chart_alt(c))
        ax = fig.add_subplot()
        ys = range(len(rated))
        ax.barh([y - 0.2 for y in ys], [r.last or 0 for r in rated], height=0.38, color="#a9c6de",
                edgecolor=PALETTE[0], hatch="///", label=f"Last year ({c.last_year})")
        ax.barh([y + 0.2 for y in ys], [r.this or 0 for r in rated], height=0.38, color=PALETTE[0],
                label=f"This year ({c.this_year})")
        for y, r in zip(ys, rated):
            for dy, v in ((-0.2, r.last), (0.2, r.this)):
                if not v:
                    ax.text(0.05, y + dy, "not rated" if (r.in_last if dy < 0 else r.in_this) else "not listed",
                            va="center", fontsize=7, color="#555")
        ax.set_yticks(list(ys), [wrap(r.area, 28) for r in rated], fontsize=8)
        ax.set_xlim(0, len(c.level.levels) + 0.2)
        ax.set_xticks(range(1, len(c.level.levels) + 1),
                      [wrap(c.level.level_label(i), 13) for i in range(1, len(c.level.levels) + 1)], fontsize=7)
        ax.invert_yaxis()
        ax.grid(axis="x", alpha=0.3)
        ax.set_title(title)
        fig.legend(loc="outside lower center", ncols=2, fontsize=8, frameon=False)  # below, over no bar
    return Drawn(fig, years.levels_chart_alt(c))
