"""Pages of the Leading Edge hub service: the facilitator's dashboard and a participant's history.

Pure functions from progress data to self-contained HTML (no external assets: hubs are often on
closed networks). All participant text goes through ``esc``; the only script is the service's own,
carrying a per-response nonce, and it inserts build results with ``textContent``.
"""
from __future__ import annotations

from collections.abc import Sequence

from .render import esc

CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 1.5rem; color: #111; }
h1 { color: #1d3557; margin-bottom: 0.2rem; } .sub { color: #555; margin-top: 0; }
table.grid { border-collapse: collapse; font-size: 0.9rem; margin: 1rem 0; }
.grid th, .grid td { border: 1px solid #bbc; padding: 4px 8px; text-align: left; vertical-align: top; }
.grid thead th { background: #e9eef4; position: sticky; top: 0; }
.grid td.s { text-align: center; min-width: 6.5rem; font-variant-numeric: tabular-nums; }
.c0 { background: #f1f1f1; color: #555; } .c1 { background: #fde9c4; } .c2 { background: #fbd38d; }
.c3 { background: #c6e9c9; } .c4 { background: #7cc588; } .none { color: #777; font-style: italic; }
.legend span { display: inline-block; padding: 2px 8px; margin-right: 4px; border: 1px solid #bbc; }
.actions { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; margin: 1rem 0; }
button, .button { font-size: 1rem; padding: 6px 14px; border-radius: 4px; border: 1px solid #1d3557;
  background: #2a6f97; color: #fff; cursor: pointer; text-decoration: none; }
button:disabled { background: #8aa; cursor: progress; }
button:focus, .button:focus, a:focus { outline: 3px solid #f4a261; outline-offset: 2px; }
#build-files li { margin: 2px 0; } .bad { color: #a4161a; }
.grid td.t { white-space: nowrap; } nav { font-size: 0.9rem; margin-bottom: 0.5rem; }
"""


def level(answered: int, total: int) -> int:
    """0 nothing, 1 under a third, 2 under two thirds, 3 most, 4 all — the cell's colour class."""
    if not total or not answered:
        return 0
    if answered >= total:
        return 4
    return 1 + min(2, 3 * answered // total)


# The service lives at <hub>/services/leading-edge/, so the Hub's home is two levels up.
NAV = '<nav><a href="../../hub/home">← Back to the hub</a></nav>'


def page(title: str, body: str, nonce: str = "", script: str = "") -> str:
    js = f'<script nonce="{esc(nonce)}">{script}</script>' if script else ""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>{NAV}{body}{js}</body></html>")


def _when(stamp: str | None) -> str:
    """ISO time → 'YYYY-MM-DD HH:MM UTC' (what a facilitator reads), or a dash."""
    if not stamp:
        return '<span class="none">—</span>'
    return esc(stamp[:16].replace("T", " ") + (" UTC" if len(stamp) > 16 else ""))


def _cell(p: dict | None, total: int, title: str) -> str:
    if p is None:
        return f'<td class="s c0" aria-label="{esc(title)}: nothing sent">—</td>'
    a = p["answered"]
    return (f'<td class="s c{level(a, total)}" aria-label="{esc(title)}: {a} of {total} answered">'
            f"{a}/{total}</td>")


def dashboard_html(progress: dict, user: str, export_url: str, nonce: str, xsrf: str) -> str:
    """The facilitator's view: participant × session grid, last activity, export and build."""
    sessions: Sequence[dict] = progress["sessions"]
    people = progress["participants"]
    sent = sum(1 for p in people if p["last_submission"])
    head = "".join(f'<th scope="col" title="{esc(s["title"])}">{s["number"]}. {esc(s["short"])}</th>'
                   for s in sessions)
    rows = []
    for p in people:
        cells = "".join(_cell((p["sessions"] or {}).get(s["id"]), s["total"], s["short"]) for s in sessions)
        name = p.get("name") or ""
        rows.append(
            f'<tr><th scope="row">{esc(p["user"])}</th><td>{esc(name)}</td><td>{esc(p.get("school") or "")}'
            f'</td>{cells}<td class="t">{_when(p["last_change"])}</td><td class="t">{_when(p["last_submission"])}'
            f'</td><td class="t">{_when(p.get("hub_last_activity"))}</td></tr>')
    if not rows:
        rows.append(f'<tr><td colspan="{len(sessions) + 6}" class="none">No participants yet. When '
                    "participants press “Send my answers to my facilitator”, they appear here.</td></tr>")
    legend = "".join(f'<span class="c{i}">{label}</span>' for i, label in
                     enumerate(["nothing", "started", "under way", "most", "complete"]))
    body = f"""
<header><h1>Leading Edge · cohort dashboard</h1>
<p class="sub">Facilitator view, signed in as {esc(user)}. {len(people)} participants; {sent} have sent
answers. Each cell shows questions answered out of the session's total, as of the participant's last
send.</p></header>
<main>
<div class="actions">
  <a class="button" href="{esc(export_url)}" download>Download answers (zip)</a>
  <button id="build" type="button" data-xsrf="{esc(xsrf)}">Build all workbooks</button>
  <progress id="build-progress" max="1" value="0" hidden aria-label="Workbook build progress"></progress>
  <span id="build-status" role="status" aria-live="polite"></span>
</div>
<ul id="build-files" aria-label="Built workbooks"></ul>
<p class="legend" aria-hidden="true">{legend}</p>
<table class="grid"><caption class="sub">Participants by session</caption>
<thead><tr><th scope="col">Login</th><th scope="col">Name</th><th scope="col">School</th>{head}
<th scope="col">Last answer change</th><th scope="col">Last sent</th><th scope="col">Last seen on hub</th>
</tr></thead><tbody>{''.join(rows)}</tbody></table>
</main>"""
    return page("Leading Edge · cohort dashboard", body, nonce, BUILD_SCRIPT)


def history_html(user: str, history: list[dict], sessions: Sequence[dict]) -> str:
    """A participant's own page: every send, with how much of each session it held."""
    head = "".join(f'<th scope="col" title="{esc(s["title"])}">{s["number"]}. {esc(s["short"])}</th>'
                   for s in sessions)
    rows = "".join(
        f'<tr><td class="t">{_when(h["submitted"])}</td>'
        + "".join(_cell(h["progress"].get(s["id"]), s["total"], s["short"]) for s in sessions)
        + "</tr>" for h in history)
    if not history:
        rows = (f'<tr><td colspan="{len(sessions) + 1}" class="none">Nothing sent yet. In any session '
                "notebook, press “Send my answers to my facilitator”.</td></tr>")
    body = f"""
<header><h1>Leading Edge · my submissions</h1>
<p class="sub">Signed in as {esc(user)}. Each time you press “Send my answers to my facilitator”, a
copy of your answers is kept here; your facilitator sees the latest. Nobody else can see them.</p>
</header><main><table class="grid"><caption class="sub">What you have sent</caption>
<thead><tr><th scope="col">Sent</th>{head}</tr></thead><tbody>{rows}</tbody></table></main>"""
    return page("Leading Edge · my submissions", body)


# Polls the build status; every piece of participant text is set with textContent.
BUILD_SCRIPT = """
(function () {
  const button = document.getElementById('build');
  const bar = document.getElementById('build-progress');
  const status = document.getElementById('build-status');
  const files = document.getElementById('build-files');
  function show(b) {
    if (!b || !b.id) { return; }
    bar.hidden = false; bar.max = Math.max(1, b.total); bar.value = b.done;
    status.textContent = b.message;
    button.disabled = !b.finished;
    files.replaceChildren();
    for (const f of b.files || []) {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = f.url; a.textContent = f.label; li.appendChild(a); files.appendChild(li);
    }
    for (const e of b.errors || []) {
      const li = document.createElement('li');
      li.className = 'bad'; li.textContent = e; files.appendChild(li);
    }
    if (!b.finished) { setTimeout(poll, 1000); }
  }
  // JupyterHub checks the xsrf token on every script-initiated request, GET included.
  const headers = {'X-XSRFToken': button.dataset.xsrf};
  function poll() {
    fetch('api/builds/latest', {credentials: 'same-origin', headers: headers})
      .then(r => { if (!r.ok) { throw new Error(r.status === 401 ? 'signed out: reload the page' : r.statusText); }
                   return r.json(); })
      .then(show)
      .catch(e => { status.textContent = 'Lost contact with the service (' + e.message + '); retrying…';
                    setTimeout(poll, 3000); });
  }
  button.addEventListener('click', function () {
    button.disabled = true; status.textContent = 'Starting the build…';
    fetch('api/builds', {method: 'POST', credentials: 'same-origin', headers: headers})
      .then(r => r.json().then(j => { if (!r.ok) { throw new Error(j.error || r.statusText); } return j; }))
      .then(show)
      .catch(e => { status.textContent = 'Could not start the build: ' + e.message; button.disabled = false; });
  });
  poll();
})();
"""
