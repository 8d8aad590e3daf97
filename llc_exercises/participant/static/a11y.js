// Keyboard and screen-reader fixes for every kit form (a11y.py says what and why).
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
