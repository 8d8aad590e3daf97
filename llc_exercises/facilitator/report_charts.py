"""The cohort report's figures, drawn with matplotlib from ``report_data``'s counts: the survey's
diverging bars, reactions, self-assessment levels, every stakeholder grid overlaid, hours against
targets and goal themes. Each comes with its text alternative (``charts.Drawn``). The callers draw
only groups of at least ``MIN_GROUP``; a quadrant label does its own suppression."""
from __future__ import annotations

import random
from collections.abc import Sequence

from ..core.derived import QUADRANTS
from ..documents import charts
from .report_data import AGREE_FROM, MIN_GROUP, Areas, Dimension, Stakeholders, pct

AGREEMENT_COLOURS = ("#b2182b", "#ef8a62", "#d9d9d9", "#67a9cf", "#2166ac")  # diverging, colour-blind safe
LEVEL_COLOURS = ("#e3e7ef", "#a6bddb", "#67a9cf", "#1c7bb5", "#034e7b")  # low → high: one hue, darkening
TEXT_DARK = "#222"
LIMIT = "#a4161a"  # a line marking hours that count or are required (dashed, and named in the key)


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def survey_chart(dims: Sequence[Dimension]) -> charts.Drawn | None:
    """Diverging stacked bars: each statement's answers before and after, disagreement left of the
    centre line, agreement right, the neutral middle straddling it; every segment and the share
    agreeing written on the bar. Only groups of at least MIN_GROUP are drawn; None if there are none."""
    import matplotlib
    from matplotlib.patches import Patch

    rows: list[tuple[float, str, Sequence[int]]] = []  # (y, label, counts)
    heads: list[tuple[float, str]] = []
    y = 0.0
    for d in dims:
        bars = [(w, c) for w, c in (("Before", d.before), ("After", d.after)) if sum(c) >= MIN_GROUP]
        if not bars:
            continue
        heads.append((y - 0.62, f"{d.name}: {d.statement}"))
        for when, counts in bars:
            rows.append((y, f"{when} · n = {sum(counts)}", counts))
            y += 1
        y += 1.45
    if not rows:
        return None
    with matplotlib.rc_context(charts.PLAIN_TEXT):
        fig = _figure(8, 0.34 * len(rows) + 0.34 * len(heads) + 1.0)
        ax = fig.add_subplot()
        for yy, _label, shares in rows:
            n = sum(shares)
            percents = [100 * c / n for c in shares]
            left = -(percents[0] + percents[1] + percents[2] / 2)
            for i, p in enumerate(percents):
                ax.barh(yy, p, left=left, height=0.78, color=AGREEMENT_COLOURS[i], edgecolor="white", lw=0.6)
                if p >= 7:
                    # on a patch of the segment's colour, so the centre line passes behind the number
                    ax.text(left + p / 2, yy, f"{round(p)}%", ha="center", va="center", fontsize=7.5, zorder=4,
                            color="white" if i in (0, 4) else TEXT_DARK,
                            bbox={"boxstyle": "square,pad=0.05", "facecolor": AGREEMENT_COLOURS[i], "lw": 0})
                left += p
            agree = sum(shares[AGREE_FROM - 1:])
            ax.text(103, yy, f"{pct(agree, n)} agree", va="center", fontsize=9, weight="bold", color="#08306b")
        for yy, text in heads:
            ax.text(-100, yy, charts.wrap(text, 105), va="bottom", fontsize=8.5, weight="bold", color=charts.BRAND)
        for yy, _label, _counts in rows:  # the centre line only through the bars, not the headings
            ax.plot([0, 0], [yy - 0.5, yy + 0.5], color="#555", lw=0.8, zorder=3)
        ax.set_yticks([r[0] for r in rows], [r[1] for r in rows], fontsize=8.5)
        ax.set_ylim(rows[-1][0] + 0.6, -1.3)
        ax.set_xlim(-100, 100)
        ax.set_xticks(range(-100, 101, 25), [f"{abs(v)}%" for v in range(-100, 101, 25)], fontsize=8)
        ax.set_xlabel("← disagree   ·   share of respondents   ·   agree →", fontsize=8.5)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="x", alpha=0.25)
        levels = dims[0].levels
        fig.legend([Patch(color=c) for c in AGREEMENT_COLOURS], levels, loc="outside lower center",
                   ncols=len(levels), fontsize=8, frameon=False)
    shown = [f"{d.name}: " + ", ".join(f"{w} {pct(d.agree(c), sum(c))} agree (n = {sum(c)})"
                                       for w, c in (("before", d.before), ("after", d.after))
                                       if sum(c) >= MIN_GROUP) for d in dims
             if sum(d.before) >= MIN_GROUP or sum(d.after) >= MIN_GROUP]
    return charts.Drawn(fig, "Series survey, share agreeing — " + "; ".join(shown) + ".")


def reaction_chart(counts: Sequence[int], levels: Sequence[str]) -> charts.Drawn:
    """Guskey level 1: how worthwhile the days were, one bar per answer, each with its count."""
    import matplotlib

    n = sum(counts)
    with matplotlib.rc_context(charts.PLAIN_TEXT):
        fig = _figure(8, 3.1)
        ax = fig.add_subplot()
        xs = range(len(levels))
        ax.bar(xs, counts, color=LEVEL_COLOURS, edgecolor="#555", lw=0.6)
        for x, c in zip(xs, counts):
            ax.text(x, c, f"{c} ({pct(c, n)})", ha="center", va="bottom", fontsize=9)
        ax.set_xticks(list(xs), [charts.wrap(lv, 16) for lv in levels], fontsize=8.5)
        ax.set_ylim(0, max(counts) * 1.25 + 0.5)
        ax.set_ylabel("Participants", fontsize=8.5)
        ax.tick_params(axis="y", labelsize=8)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_title(f"How worthwhile were the six days? (n = {n})", fontsize=10)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    parts = ", ".join(f"{lv}: {c}" for lv, c in zip(levels, counts))
    return charts.Drawn(fig, f"Guskey level 1, reactions (n = {n}): {parts}.")


def areas_chart(a: Areas) -> charts.Drawn:
    """One 100% bar per area: how many participants put it at each level, counts on the segments."""
    import matplotlib
    from matplotlib.patches import Patch

    with matplotlib.rc_context(charts.PLAIN_TEXT):  # area names may be participants' own words
        fig = _figure(8, 0.5 * len(a.shown) + 1.5)
        ax = fig.add_subplot()
        for y, (_name, counts) in enumerate(a.shown):
            n, left = sum(counts), 0.0
            for i, c in enumerate(counts):
                w = 100 * c / n
                ax.barh(y, w, left=left, height=0.7, color=LEVEL_COLOURS[i], edgecolor="white", lw=0.6)
                if c:
                    ax.text(left + w / 2, y, str(c), ha="center", va="center", fontsize=8.5,
                            color="white" if i >= 3 else TEXT_DARK)
                left += w
        ax.set_yticks(range(len(a.shown)), [f"{charts.wrap(name, 30)} (n = {sum(c)})" for name, c in a.shown],
                      fontsize=8.5)
        ax.set_ylim(len(a.shown) - 0.5, -0.5)
        ax.set_xlim(0, 100)
        ax.set_xticks(range(0, 101, 25), [f"{v}%" for v in range(0, 101, 25)], fontsize=8)
        ax.set_xlabel("Share of participants who rated the area (numbers on the bars are participants)",
                      fontsize=8.5)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.legend([Patch(color=c) for c in LEVEL_COLOURS], a.levels, loc="outside lower center",
                   ncols=len(a.levels), fontsize=8, frameon=False)
    parts = "; ".join(f"{name} (n = {sum(c)}): " + ", ".join(f"{lv} {k}" for lv, k in zip(a.levels, c) if k)
                      for name, c in a.shown)
    return charts.Drawn(fig, f"Program self-assessment levels by area — {parts}.")


def _divider(levels: int) -> float:
    """Where the grid's halves meet: between the last "low" level and the first "high" one, the way
    ``quadrant_groups`` splits them (a middle level counts as high)."""
    import math

    return math.ceil((levels + 1) / 2) - 0.5


def stakeholder_chart(s: Stakeholders) -> charts.Drawn:
    """Every participant's stakeholders on one Mendelow grid: one faint dot each, jittered within its
    cell so that dots of the same rating spread into a cloud; each quadrant names its count."""
    import matplotlib

    plev, ilev = s.levels
    rng = random.Random(20)  # fixed: the same answers draw the same picture
    with matplotlib.rc_context(charts.PLAIN_TEXT):
        fig = _figure(7.2, 5.1)
        ax = fig.add_subplot()
        xs = [i + rng.uniform(-0.33, 0.33) for _p, i in s.points]
        ys = [p + rng.uniform(-0.33, 0.33) for p, _i in s.points]
        ax.scatter(xs, ys, s=30, alpha=0.45, color=charts.PALETTE[0], edgecolors="none", zorder=3)
        # A band above and below the grid holds the quadrant labels, so no label covers a dot.
        top, bottom = len(plev) + 1.3, -0.3
        ax.set_xlim(0.5, len(ilev) + 0.5)
        ax.set_ylim(bottom, top)
        px, py = _divider(len(ilev)), _divider(len(plev))
        ax.axvline(px, color="#777", lw=1.2)
        ax.axhline(py, color="#777", lw=1.2)
        for y in (0.5, len(plev) + 0.5):
            ax.axhline(y, color="#ccc", lw=0.8, ls=":")
        total = len(s.points)
        for (hp, hi), name in QUADRANTS.items():
            ax.text(px + (0.08 if hi else -0.08), top - 0.08 if hp else bottom + 0.08,
                    quadrant_label(name, s.quadrants[name][0], s.quadrants[name][1], total, "\n"),
                    ha="left" if hi else "right", va="top" if hp else "bottom", fontsize=8.5, color=charts.BRAND,
                    weight="bold")
        ax.set_xticks(range(1, len(ilev) + 1), [charts.wrap(lv, 16) for lv in ilev], fontsize=8)
        ax.set_yticks(range(1, len(plev) + 1), [charts.wrap(lv, 14) for lv in plev], fontsize=8)
        ax.set_xlabel("Interest in the library →", fontsize=9)
        ax.set_ylabel("Power over the library →", fontsize=9)
        ax.set_title(f"{total} stakeholders rated by {s.participants} participants", fontsize=10)
    parts = "; ".join(quadrant_label(q, v[0], v[1], total, " ") for q, v in s.quadrants.items())
    return charts.Drawn(fig, f"All stakeholder grids overlaid, {total} stakeholders from {s.participants} "
                             f"participants — {parts}.")


def quadrant_label(name: str, n: int, who: int, total: int, sep: str) -> str:
    """A quadrant's count, unless fewer than MIN_GROUP participants put anyone there: a small
    group is not counted in print, even inside a figure drawn from many."""
    if 0 < who < MIN_GROUP:
        return f"{name}:{sep}from fewer than {MIN_GROUP} participants"
    return f"{name}: {n} ({pct(n, total)}){sep}from {who} participants"


def _bins(values: Sequence[float]) -> list[float]:
    top = max(max(values), 1.0)
    step = next(s for s in (1, 2, 4, 5, 10, 20, 25, 50, 100) if top / s <= 12)
    return [float(step * i) for i in range(int(top // step) + 2)]


def hours_histogram(values: Sequence[float], lines: Sequence[tuple[float, str, str]], xlabel: str,
                    title: str) -> charts.Drawn:
    """Participants per band of hours, each bar labelled with its count; ``lines`` mark targets
    (value, label, colour), drawn dashed and named in the key as well as by colour."""
    import matplotlib

    edges = _bins(values)
    with matplotlib.rc_context(charts.PLAIN_TEXT):
        fig = _figure(8, 2.9)
        ax = fig.add_subplot()
        counts, _e, bars = ax.hist(values, bins=edges, color="#9ecae1", edgecolor=charts.ACCENT)
        for rect, c in zip(bars, counts):
            if c:
                ax.annotate(f"{int(c)}", (rect.get_x() + rect.get_width() / 2, c), xytext=(0, 3),
                            textcoords="offset points", ha="center", va="bottom", fontsize=9, zorder=4,
                            bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"})
        for i, (x, label, colour) in enumerate(lines):
            ax.axvline(x, color=colour, lw=2, ls=("--", ":")[i % 2], label=label)
        ax.set_xlim(edges[0], max(edges[-1], *(x + 1 for x, _l, _c in lines)))
        ax.set_ylim(0, max(counts) * 1.25 + 0.5)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_xlabel(xlabel, fontsize=9)
        ax.set_ylabel("Participants", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.set_title(title, fontsize=10)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if lines:
            fig.legend(loc="outside lower center", ncols=len(lines), fontsize=8, frameon=False)
    bands = ", ".join(f"{edges[i]:g}–{edges[i + 1]:g} h: {int(c)}" for i, c in enumerate(counts) if c)
    marks = "; ".join(f"{label}" for _x, label, _c in lines)
    return charts.Drawn(fig, f"{title}: {bands}" + (f"; {marks}" if marks else "") + ".")


def themes_chart(bars: Sequence[tuple[str, int]], writers: int) -> charts.Drawn:
    import matplotlib

    with matplotlib.rc_context(charts.PLAIN_TEXT):
        fig = _figure(8, 0.3 * len(bars) + 1.0)
        ax = fig.add_subplot()
        ys = range(len(bars))
        ax.barh(list(ys), [n for _t, n in bars], height=0.7,
                color=[charts.PALETTE[0] if not t.startswith("Other") else "#b0b0b0" for t, _n in bars])
        for y, (_t, n) in zip(ys, bars):
            ax.text(n, y, f" {n} ({pct(n, writers)})", va="center", fontsize=8.5)
        ax.set_yticks(list(ys), [charts.wrap(t, 40) for t, _n in bars], fontsize=8.5)
        ax.set_ylim(len(bars) - 0.5, -0.5)
        ax.set_xlim(0, writers * 1.18)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.tick_params(axis="x", labelsize=8)
        ax.set_xlabel(f"Participants mentioning the theme (of {writers} who wrote goals)", fontsize=9)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    return charts.Drawn(fig, "Goal themes, participants mentioning each: "
                             + "; ".join(f"{t} {n}" for t, n in bars) + f" (of {writers}).")
