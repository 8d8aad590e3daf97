"""Keyboard and screen-reader fixes for the kit's forms that ipywidgets 8.1 cannot express.

ipywidgets has no ARIA settings (ipywidgets #2650): its radio buttons share no ``name``, so each is
its own Tab stop and the arrow keys do nothing; the question above them is a ``<label>`` tied to
no control; a status line is replaced wholesale, so a screen reader never hears it change; and keys
pressed on a radio button or a button reach JupyterLab's notebook shortcuts (``a`` inserts a cell).

``Helper`` is an invisible anywidget shown once in every form. Its script, loaded in JupyterLab and
in Voila alike, watches the page and marks up every kit form (``.llc-ws``, ``.llc-form``) from the
classes Python gives its parts:

* the form and every control in it: ``data-lm-suppress-shortcuts``, so no key pressed there
  reaches a notebook shortcut;
* ``.widget-radio`` (choice, scale): one ``name`` per group and ``role=radiogroup`` named by the
  question; ``.llc-group`` (checkboxes, tables): ``role=group`` named by its ``.llc-group-title``;
* ``.llc-row``: "Row 2 of …"; ``.llc-live``: a polite live region that persists across updates;
* after *Add a row* the new row's first box has the focus, after *Remove row N* the row that took
  its place (*Add a row* after the last row), never the page: a lost focus would hand the keyboard
  to the notebook.
"""
from __future__ import annotations

import anywidget

ESM = r"""
const ROOTS = ".llc-ws, .llc-form";
const FOCUSABLE = "input, textarea, select, button";
let seq = 0;
const uid = (el, kind) => el.id || (el.id = `llc-${kind}-${Date.now().toString(36)}-${++seq}`);
const rowsOf = (table) => [...table.querySelectorAll(".llc-row")];
let pending = null; // {table, rows, index}: a row was just added or removed by the participant

function enhance(root) {
  // Lumino matches a shortcut's selector against the focused element itself before it looks at
  // ancestors (".jp-Notebook.jp-mod-commandMode :focus" matches a focused radio button), so every
  // control carries the attribute, not only the form.
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  for (const control of root.querySelectorAll(FOCUSABLE)) control.setAttribute("data-lm-suppress-shortcuts", "true");
  for (const radio of root.querySelectorAll(".widget-radio")) {
    const label = radio.querySelector(":scope > .widget-label");
    const box = radio.querySelector(":scope > .widget-radio-box");
    if (!box) continue;
    box.setAttribute("role", "radiogroup");
    if (label && label.textContent.trim()) box.setAttribute("aria-labelledby", uid(label, "q"));
    const name = box.dataset.llcName || (box.dataset.llcName = uid(box, "radios"));
    const inputs = [...box.querySelectorAll("input[type=radio]")];
    // One Tab stop per group, the chosen option (else the first): Chromium alone decides by the
    // name, and forgets it for a button that had the focus before its name was set.
    const stop = inputs.find(i => i.checked) || inputs[0];
    for (const input of inputs) {
      input.name = name;
      input.tabIndex = input === stop ? 0 : -1;
    }
  }
  for (const group of root.querySelectorAll(".llc-group")) {
    group.setAttribute("role", "group");
    const title = group.querySelector(".llc-group-title");
    if (title) group.setAttribute("aria-labelledby", uid(title, "t"));
  }
  for (const table of root.querySelectorAll(".llc-rows")) {
    const title = (table.querySelector(".llc-group-title") || {}).textContent || "the table";
    rowsOf(table).forEach((row, i) => {
      row.setAttribute("role", "group");
      row.setAttribute("aria-label", `Row ${i + 1} of ${title.trim()}`);
    });
  }
  for (const live of root.querySelectorAll(".llc-live")) {
    live.setAttribute("role", "status");
    live.setAttribute("aria-live", "polite");
  }
}

function settleFocus() {
  if (!pending || !pending.table.isConnected) { pending = null; return; }
  const rows = rowsOf(pending.table);
  if (rows.length === pending.rows) return; // the kernel has not answered yet
  // added: the new row; removed: the row now in its place, or Add a row after the last one
  const target = pending.index === null ? rows[rows.length - 1] : rows[pending.index];
  // a new row's cells arrive one by one; its Remove button comes last
  if (target && !target.querySelector(".llc-remove-row")) return;
  const box = target ? target.querySelector(FOCUSABLE) : pending.table.querySelector(".llc-add-row");
  pending = null;
  if (box) box.focus();
}

function install() {
  if (window.__llcA11y) return;
  window.__llcA11y = true;
  const run = () => {
    document.querySelectorAll(ROOTS).forEach(enhance);
    settleFocus();
  };
  // At once, not on the next frame: observers run before the next key is handled, so a Tab
  // pressed the moment a row appears already finds its radio buttons grouped.
  new MutationObserver((records) => {
    if (records.some(r => r.target.closest(ROOTS) || r.target.querySelector(ROOTS))) run();
  }).observe(document.body, {childList: true, subtree: true});
  document.addEventListener("change", run, true); // a new choice becomes its group's Tab stop
  document.addEventListener("click", (event) => {
    const button = event.target.closest(".llc-add-row, .llc-remove-row");
    const table = button && button.closest(".llc-rows");
    if (!table) return;
    const row = button.closest(".llc-row");
    pending = {table, rows: rowsOf(table).length, index: row ? rowsOf(table).indexOf(row) : null};
  }, true);
  run();
}

export default {
  render({ el }) {
    el.classList.add("llc-a11y-helper");
    install();
  },
};
"""


class Helper(anywidget.AnyWidget):
    """Shown inside each kit form; renders nothing and marks the form up (module docstring)."""

    _esm = ESM
    # Loaded with every form, also those without a worksheet's CSS (About you): a text box with a
    # fixed width and its label beside it moves under the label, and shrinks, in a narrow window
    # or at 200 % zoom rather than running off the page (WCAG 1.4.10).
    _css = """.llc-a11y-helper { display: none; }
.llc-form { max-width: 100%; box-sizing: border-box; }
.llc-form > .widget-text { max-width: calc(100% - 2 * var(--jp-widgets-margin, 2px)); flex-wrap: wrap; height: auto; }
.llc-form > .widget-text > .widget-label { white-space: normal; max-width: 100%; height: auto; }
.llc-form > .widget-text > input { min-width: min(12em, 100%); }
.llc-form .jupyter-button { width: auto; max-width: 100%; height: auto; white-space: normal; line-height: 1.3;
  padding: 4px 10px; min-height: var(--jp-widgets-inline-height); align-self: flex-start; }
"""


def form(box):
    """Mark an ipywidgets container as a kit form (keyboard and screen-reader fixes above) and
    give it its helper; returns the container."""
    box.add_class("llc-form")
    box.children = (*box.children, Helper())
    return box
