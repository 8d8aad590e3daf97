"""axe-core (the npm package, installed into node_modules/ by `make test`) run in a real page.

Only serious and critical violations fail a test: those block or badly hinder a keyboard or
screen-reader user; moderate and minor findings are advice.
"""
from __future__ import annotations

from helpers import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def violations(page, include: list[str] | None = None, exclude: list[str] | None = None) -> list[str]:
    """axe's serious and critical violations in ``page`` (within the ``include`` selectors, when
    given), one line each: rule, impact, what it means and the first few elements it found."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated, not added as a <script>: a page's Content-Security-Policy (the hub service's
        # pages have one) blocks inline scripts but not what the browser's debugger runs.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    if include:
        missing = [s for s in include if not page.locator(s).count()]
        assert not missing, f"nothing on {page.url} matches {missing}: axe would check nothing there"
    context = {"include": [[s] for s in include]} if include else {}
    if exclude:
        context["exclude"] = [[s] for s in exclude]
    result = page.evaluate(
        "async ([context, wcag]) => await axe.run(Object.keys(context).length ? context : document,"
        " {resultTypes: ['violations'], runOnly: {type: 'tag', values: wcag}})",
        [context, ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]])
    out = []
    for v in result["violations"]:
        if v["impact"] in BLOCKING:
            where = "; ".join(" ".join(n["target"]) + ": " + n.get("failureSummary", "").replace("\n", " ")
                              for n in v["nodes"][:3])
            out.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} element(s)): {v['help']} — {where}")
    return out
