"""Pages of the Leading Edge hub service: the facilitator's dashboard and a participant's history.

Pure functions from progress data to self-contained HTML (no external assets: hubs are often on
closed networks). All participant text goes through ``esc``; the only script is the service's own,
carrying a per-response nonce, and it inserts build results with ``textContent``.
"""
from __future__ import annotations

from collections.abc import Sequence

from ..documents.render import esc

CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 1.5rem; color: #111; }
h1 { color: #1d3557; margin-bottom: 0.2rem; } .sub { color: #555; margin-top: 0; }
table.grid { border-collapse: collapse; font-size: 0.9rem; margin: 1rem 0; }
.grid th, .grid td { border: 1px solid #bbc; padding: 4px 8px; text-align: left; vertical-align: top; }
.grid thead th { background: #e9eef4; position: sticky; top: 0; }
.grid td.s { text-align: center; min-width: 6.5rem; font-variant-numeric: tabular-nums; }
.c0 { background: #f1f1f1; color: #555; } .c1 { background: #fde9c4; } .c2 { background: #fbd38d; }
.c3 { background: #c6e9c9; } .c4 { background: #7cc588; } .none { color: #666; font-style: italic; }
.legend span { display: inline-block; padding: 2px 8px; margin-right: 4px; border: 1px solid #bbc; }
.actions { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; margin: 1rem 0; }
button, .button { font-size: 1rem; padding: 6px 14px; border-radius: 4px; border: 1px solid #1d3557;
  background: #2a6f97; color: #fff; cursor: pointer; text-decoration: none; }
button:disabled { background: #8aa; cursor: progress; }
/* text greys no lighter than #666 (4.5:1 or more on every cell colour); the focus ring over 4:1
   on every background beside it (WCAG AA: 3:1 for what shows focus) */
button:focus, .button:focus, a:focus { outline: 3px solid #c2410c; outline-offset: 2px; }
#build-files li { margin: 2px 0; } .bad { color: #a4161a; }
.grid td.t { white-space: nowrap; } nav { font-size: 0.9rem; margin-bottom: 0.5rem; }
.button.quiet { background: #fff; color: #1d3557; }
.scroll { overflow: auto; max-height: calc(100vh - 9rem); border: 1px solid #bbc; }
table.att { margin: 0; font-size: 0.85rem; border-collapse: separate; border-spacing: 0; }
.att th, .att td { border: 0; border-right: 1px solid #d4d9e2; border-bottom: 1px solid #d4d9e2; padding: 3px 5px; }
.att caption { text-align: left; padding: 2px 6px; }
.att thead th { z-index: 2; font-weight: normal; line-height: 1.25; vertical-align: bottom; white-space: nowrap;
  text-align: center; font-size: 0.78rem; padding: 3px 4px; }
.att thead th b { display: block; }
.att thead th:first-child, .att thead th:last-child { text-align: left; } .att .m { background: #f3f0e6; }
.att thead th.m { background: #ece5cf; } .att thead th small { display: block; }
.att tbody th, .att tfoot th { position: sticky; left: 0; background: #fff; z-index: 1; font-weight: normal;
  white-space: nowrap; max-width: 13rem; overflow: hidden; text-overflow: ellipsis; }
.att thead th:first-child { left: 0; z-index: 3; }
.att td.a { white-space: nowrap; text-align: center; }
.att tbody tr:nth-child(even) td, .att tbody tr:nth-child(even) th { background-color: #f7f9fc; }
.att tbody tr:nth-child(even) td.m { background-color: #eee9da; }
.att tbody tr:hover td, .att tbody tr:hover th { background-color: #e3edf7; }
.att input[type=checkbox] { width: 1.1rem; height: 1.1rem; margin: 0 2px 0 0; vertical-align: middle; }
.att input.h { width: 2.3rem; font-size: 0.8rem; padding: 1px 2px; vertical-align: middle;
  border: 1px solid #aab; border-radius: 2px; }
.att input.h::-webkit-inner-spin-button { display: none; } .att input.bad { border: 2px solid #a4161a; }
.att input:focus { outline: 3px solid #c2410c; outline-offset: 1px; }
.att tfoot td, .att tfoot th, .att td.n { font-variant-numeric: tabular-nums; text-align: center; background: #e9eef4; }
.att tfoot th, .att tfoot td { position: sticky; bottom: 0; font-weight: bold; }
.att small { color: #555; } .alert { border: 2px solid #a4161a; padding: 0.4rem 1rem; color: #a4161a; }
.notice { border-left: 6px solid #2a9d5c; padding: 0.3rem 0.8rem; background: #eef8f1; }
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


def error_html(status: int, message: str) -> str:
    """The page for an error a person sees (the API answers errors in JSON)."""
    return page(f"{status}", f"<h1>{status}</h1><p>{esc(message)}</p>")


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
  <a class="button" href="attendance">Attendance</a>
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



ATTENDANCE_SETUP = """
<h2>No cohort file yet</h2>
<p>Attendance is kept per session and cohort meeting, so this page needs the cohort file (its names,
dates and hours). To set one up:</p>
<ol><li>On the hub's machine, write one and put your dates in it:
<code>llc cohort init /srv/leading-edge/cohort.yaml</code>, then <code>llc cohort check</code> it.</li>
<li>Pass it to the service in <code>jupyterhub_config.py</code>:
<code>configure(c, …, cohort="/srv/leading-edge/cohort.yaml")</code>
(the service's own option is <code>--cohort FILE</code>).</li>
<li>Restart the hub, then reload this page.</li></ol>"""


def _hours_in(text: str, most: str) -> bool:
    try:
        return 0 <= float(text) <= float(most)  # NaN and inf fail this too
    except ValueError:
        return False


def _attendance_cell(p: dict, e: dict) -> str:
    ticked, typed = p["marks"][e["id"]]
    who = f"{p['name']} ({p['user']})" if p["name"] else p["user"]
    name = f"{e['id']}:{p['user']}"
    hours_label = f"{who}: hours at {e['label']}, if only part of its {e['hours']}"
    # A cell the sheet holds in no known form goes in a text box as written, marked, to be corrected
    # (a number box would show it empty, and saving would silently replace it).
    bad = bool(typed) and not _hours_in(typed, e["hours"])
    hours = (f'<input class="h bad" type="text" name="h:{esc(name)}" value="{esc(typed)}" aria-invalid="true" '
             f'aria-label="{esc(hours_label)} (not yes, no or hours: correct it)">' if bad else
             f'<input class="h" type="number" name="h:{esc(name)}" value="{esc(typed)}" min="0" '
             f'max="{esc(e["hours"])}" step="any" inputmode="decimal" aria-label="{esc(hours_label)}">')
    return (f'<td class="a{" m" if e["kind"] == "meeting" else ""}"><input type="checkbox" name="p:{esc(name)}" '
            f'value="1"{" checked" if ticked else ""} aria-label="{esc(who)}: present at {esc(e["label"])}">'
            f"{hours}</td>")


def attendance_html(view: dict) -> str:
    """The facilitator's attendance grid: participant × session/meeting, a tick and hours per cell,
    saved by a plain form post (works without scripts and from the keyboard)."""
    user = esc(view["user"])
    notice = f'<p class="notice" role="status">{esc(view["notice"])}</p>' if view.get("notice") else ""
    errors = "".join(f"<li>{esc(e)}</li>" for e in view.get("errors") or [])
    alert = (f'<div class="alert" role="alert"><p>Nothing was saved: correct this and press Save again.</p>'
             f"<ul>{errors}</ul></div>") if errors else ""
    if "events" not in view:
        problem = view.get("problem")
        body = (f"<header><h1>Leading Edge · attendance</h1><p class=\"sub\">Facilitator view, signed in as "
                f"{user}.</p></header><main>{alert}"
                + (f'<div class="alert" role="alert"><p>{esc(problem)}</p></div><p>Correct the file; this '
                   "page reads it again each time it loads.</p>" if problem else ATTENDANCE_SETUP)
                + '<p><a href="./">Back to the cohort dashboard</a></p></main>')
        return page("Leading Edge · attendance", body)

    events, people = view["events"], view["people"]
    head = "".join(
        f'<th scope="col" class="{"m" if e["kind"] == "meeting" else "ev"}" title="{esc(e["title"])}">'
        f'<time datetime="{esc(e["iso"])}">{esc(e["day"])}<br>{esc(e["year"])}</time>'
        f'<b>{esc(e["column"])}</b><small>{esc(e["hours"])} h</small></th>' for e in events)
    rows = []
    for p in people:
        label = f"{esc(p['name'])} <small>{esc(p['user'])}</small>" if p["name"] else esc(p["user"])
        cells = "".join(_attendance_cell(p, e) for e in events)
        title = f"{p['name']} · {p['user']}" if p["name"] else p["user"]
        rows.append(f'<tr><th scope="row" title="{esc(title)}">{label}<input type="hidden" name="participant" '
                    f'value="{esc(p["user"])}"></th>{cells}<td class="n">{esc(p["hours"])}</td></tr>')
    if not rows:
        rows.append(f'<tr><td colspan="{len(events) + 2}" class="none">No participants yet: everyone with a hub '
                    "account who is not a facilitator is listed here.</td></tr>")
    n = len(people)
    foot = "".join(f'<td class="{"m" if e["kind"] == "meeting" else "ev"}">{view["totals"][e["id"]]}'
                   f'<small> of {n}</small></td>' for e in events)
    kept = []
    if view["other_rows"]:
        kept.append(f"{view['other_rows']} row{'s' * (view['other_rows'] != 1)} for people who are not "
                    "participants on this hub")
    if view["other_columns"]:
        kept.append("the column" + "s" * (len(view["other_columns"]) > 1) + " "
                    + ", ".join(view["other_columns"]) + ", which the cohort file does not list")
    kept_note = (f" The file also holds {' and '.join(esc(k) for k in kept)}; saving keeps them as they are."
                 if kept else "")
    saved = f"Last saved {esc(view['saved'])}." if view.get("saved") else "Not saved yet."
    hidden = "".join(f'<input type="hidden" name="event" value="{esc(e["id"])}">' for e in events)
    download = ('<a class="button quiet" href="attendance.csv" download>Download attendance.csv</a>'
                if view.get("saved") else "")
    body = f"""
<header><h1>Leading Edge · attendance</h1>
<p class="sub">{esc(view["cohort"])} · facilitator view, signed in as {user}. Tick who came to each
session and meeting (meetings are shaded); for part of one, also type the hours attended (an empty box
means all of them). Each participant's hours, out of {esc(view["available"])}, are on the right; how
many came to each, at the bottom. {saved} The sheet is {esc(view["path"])}.{kept_note}</p></header>
<main>{alert}{notice}
<form id="attendance" method="post" action="attendance">
<input type="hidden" name="_xsrf" value="{esc(view["xsrf"])}">
<input type="hidden" name="version" value="{esc(view["version"])}">{hidden}
<div class="actions">
  <button type="submit">Save attendance</button>
  {download}
  <a href="./">Back to the cohort dashboard</a>
</div>
<div class="scroll"><table class="grid att">
<caption class="sub">Attendance: participants by session and meeting, in date order</caption>
<thead><tr><th scope="col">Participant</th>{head}<th scope="col">Hours</th></tr></thead>
<tbody>{"".join(rows)}</tbody>
<tfoot><tr><th scope="row">Attended</th>{foot}<td></td></tr></tfoot>
</table></div>
<p><button type="submit">Save attendance</button></p>
</form></main>"""
    return page("Leading Edge · attendance", body)


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
