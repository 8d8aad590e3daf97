"""Zoom and reflow (WCAG 2.1 1.4.4 Resize text, 1.4.10 Reflow) in app mode, measured in Chromium.

Every session page of a real `llc app` is opened at two sizes: a 1,366 × 768 screen at 200 % zoom
(a 683 × 384 CSS px viewport at device scale factor 2) and a 320 CSS px wide window. On each, every
visible control (text box, text area, select, button, date picker, radio button or checkbox with
its label, the label above a control, a group's title) must keep its whole box: no two overlap, none
sticks out of the viewport or is cut off by an ancestor that hides or scrolls its overflow, and
nothing scrolls sideways. A failure names the session, the control and its box.
"""
from __future__ import annotations

import pytest
from labtools import chromium, open_in_app, running_app

from llc_exercises.core.store import AnswerStore
from llc_exercises.participant import app

SIZES = {
    "200% zoom (683 px)": {"viewport": {"width": 683, "height": 384}, "device_scale_factor": 2},
    "320 px wide": {"viewport": {"width": 320, "height": 640}},
}
NOTEBOOKS = [e.notebook for e in app.session_notebooks(app.CHECKOUT_NOTEBOOKS)]
PARTICIPANT = "reflow-test"

# Runs in the page: the visible controls and what is wrong with their boxes. What a scroll
# container hides vertically is only scrolled out of view (Voila's page scrolls inside one), so
# such containers, and everything outside them, are checked sideways only; hidden/clip overflow
# inside them is checked both ways.
CHECK = r"""
() => {
  const TOL = 1;
  const vw = document.documentElement.clientWidth;
  const CONTROLS = "input:not([type=hidden]), textarea, select, button, label, .llc-group-title";
  const visible = (el) => {
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const clean = (t) => (t || "").replace(/\s+/g, " ").trim().slice(0, 70);
  const nameOf = (el) => {
    if (el.labels && el.labels.length) return clean(el.labels[0].textContent) || el.tagName;
    const widget = el.closest(".jupyter-widgets");
    const label = widget && widget.querySelector(":scope > .widget-label");
    return clean(el.getAttribute("aria-label")) || clean(el.textContent) || clean(el.placeholder)
      || (label && label !== el ? clean(label.textContent) : "") || `${el.tagName} ${el.type || ""}`;
  };
  const box = (r) => `x ${Math.round(r.left)}–${Math.round(r.right)}, y ${Math.round(r.top)}–${Math.round(r.bottom)}`;
  // a label wrapping nothing and naming no control (e.g. an empty ipywidgets description) is not a control
  const controls = [...document.querySelectorAll(CONTROLS)].filter(visible).filter(
    (el) => el.tagName !== "LABEL" || clean(el.textContent));
  const problems = [];
  const rects = controls.map((el) => el.getBoundingClientRect());
  for (let i = 0; i < controls.length; i++) {
    const a = controls[i], ra = rects[i];
    // a label or button whose words run out of its own box spill over whatever is below it
    if (["LABEL", "BUTTON", "DIV"].includes(a.tagName) && getComputedStyle(a).overflowY === "visible"
        && (a.scrollHeight > a.clientHeight + TOL || a.scrollWidth > a.clientWidth + TOL))
      problems.push(`the text of "${nameOf(a)}" (${a.tagName.toLowerCase()}) runs out of its box ${box(ra)}: `
        + `${a.scrollWidth} × ${a.scrollHeight} px of text in ${a.clientWidth} × ${a.clientHeight}`);
    if (ra.left < -TOL || ra.right > vw + TOL)
      problems.push(`"${nameOf(a)}" (${a.tagName.toLowerCase()}) sticks out of the ${vw} px viewport: ${box(ra)}`);
    // past the nearest scroll container on an axis, outer containers clip only what is scrolled away
    let xDone = false, yDone = false;
    for (let p = a.parentElement; p && p !== document.documentElement && !(xDone && yDone); p = p.parentElement) {
      const cs = getComputedStyle(p);
      const xs = !xDone && cs.overflowX !== "visible", ys = !yDone && ["hidden", "clip"].includes(cs.overflowY);
      xDone = xDone || ["auto", "scroll"].includes(cs.overflowX);
      yDone = yDone || ["auto", "scroll"].includes(cs.overflowY);
      if (!xs && !ys) continue;
      const pr = p.getBoundingClientRect();
      const left = pr.left + p.clientLeft, top = pr.top + p.clientTop;
      const cut = (xs && (ra.left < left - TOL || ra.right > left + p.clientWidth + TOL))
        || (ys && (ra.top < top - TOL || ra.bottom > top + p.clientHeight + TOL));
      if (cut) {
        problems.push(`"${nameOf(a)}" (${a.tagName.toLowerCase()}) ${box(ra)} is cut off by its container `
          + `<${p.tagName.toLowerCase()} class="${p.className}"> (overflow ${cs.overflowX}/${cs.overflowY}), `
          + `${box({left, right: left + p.clientWidth, top, bottom: top + p.clientHeight})}`);
        break;
      }
    }
    for (let j = i + 1; j < controls.length; j++) {
      const b = controls[j], rb = rects[j];
      if (a.contains(b) || b.contains(a)) continue; // a radio button inside its own label
      const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (w > TOL && h > TOL)
        problems.push(`"${nameOf(a)}" (${a.tagName.toLowerCase()}) ${box(ra)} overlaps "${nameOf(b)}" `
          + `(${b.tagName.toLowerCase()}) ${box(rb)}`);
    }
  }
  // sideways scrolling of the page, or of any container holding a form
  for (const el of [document.scrollingElement, ...document.querySelectorAll("*")]) {
    const cs = getComputedStyle(el);
    const scrolls = el === document.scrollingElement || ["auto", "scroll"].includes(cs.overflowX);
    if (scrolls && el.scrollWidth > el.clientWidth + TOL && (el === document.scrollingElement
        || el.querySelector(".llc-ws, .llc-form")))
      problems.push(`<${el.tagName.toLowerCase()} class="${el.className}"> scrolls sideways: content `
        + `${el.scrollWidth} px in ${el.clientWidth} px`);
  }
  return {count: controls.length, problems};
}
"""


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reflow")
    store = AnswerStore(tmp / "data" / "answers" / f"{PARTICIPANT}.json",
                        participant={"id": PARTICIPANT, "name": "Robin Reflow", "school": "Hillside Elementary"})
    # rows in the tables, so their cards (with date pickers beside labels) are on the page
    store.update({"visioning.mission_vision.values": [
        {"value": "Access", "looks_like": "The library is open before and after school"},
        {"value": "Joy", "looks_like": "Students choose what they read"}]})
    with running_app(tmp, PARTICIPANT) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_no_control_is_clipped_or_overlapped(app_url, browser, notebook, size):
    page = browser.new_page(**SIZES[size])
    try:
        open_in_app(page, app_url, notebook)
        result = page.evaluate(CHECK)
    finally:
        page.close()
    assert result["count"] > 5, f"{notebook}: found only {result['count']} controls: the check saw no form"
    assert not result["problems"], f"{notebook} at {size}:\n" + "\n".join(result["problems"])


def test_static_tables_are_left_aligned_in_the_app(app_url, browser):
    """The core values summary: JupyterLab's rendered-HTML rule right-aligns table cells with a
    more specific selector than the kit's; the kit's tables read left to right."""
    page = browser.new_page(**SIZES["200% zoom (683 px)"])
    try:
        open_in_app(page, app_url, "01_visioning.ipynb")
        cells = page.evaluate("() => [...document.querySelectorAll('table.llc-table th, table.llc-table td')]"
                              ".map(c => [c.textContent, getComputedStyle(c).textAlign])")
    finally:
        page.close()
    assert any(text == "Access" for text, _ in cells), cells  # the summary shows the core values
    assert {align for _, align in cells} == {"left"}, cells
