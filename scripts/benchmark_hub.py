"""Hub service speed at cohort scale: ``api/progress`` and the facilitator's dashboard.

Run: .venv/bin/python scripts/benchmark_hub.py [--participants 1000] [--write]

Target (from the issue): ``api/progress`` and the dashboard for 1,000 participants with all six
sessions filled answer in ≤ 2 s. Timed here rather than in a test, which would flake on shared
machines.

For each cohort size (30 for comparison, then ``--participants``) the script starts a real
JupyterHub with its proxy and the ``leading-edge`` service (``hubdemo.start_hub``) in a temporary
folder, creates the participants as hub users through the Hub's bulk API, stores one submission per
participant with every answer of all six sessions filled straight into the service's SQLite (plus an
older one for every 10th participant, so there is history), gets a token for the facilitator and
times, through the proxy:

* the first request after the service started (empty hub-user cache, first token lookup);
* repeats while the service's hub-user list is cached (``directory.USERS_CACHE_S``);
* requests after that cache has expired: what a facilitator opening the dashboard now and then
  usually gets, since each one makes the service page through the Hub's whole user list.

It also times the Hub's user listing on its own, a breakdown of ``Service.progress`` and
``dashboard.dashboard_html`` in this process, and the alternative a facilitator would otherwise
use: collect everyone's answers files into a folder and count answered questions per session with
plain Python. ``--write`` puts the results into docs/benchmarks.md (replacing this section if it
is there, keeping everything else). The hub is always stopped, even on an error or Ctrl+C.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gzip
import json
import os
import platform
import re
import secrets
import statistics
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from llc_exercises.core import definitions as defs  # noqa: E402
from llc_exercises.core.ports import free_port  # noqa: E402
from llc_exercises.documents.render import is_blank  # noqa: E402
from llc_exercises.hub import dashboard  # noqa: E402
from llc_exercises.hub.demo import FACILITATOR, HubSettings, start_hub, stop_hub  # noqa: E402
from llc_exercises.hub.directory import USERS_CACHE_S  # noqa: E402
from llc_exercises.hub.service import Service  # noqa: E402
from llc_exercises.hub.submissions import SubmissionDB, check_submission, summarize  # noqa: E402

TARGET_S = 2.0
SECTION = "## Hub service: progress and dashboard at 1,000 participants"
DOC = ROOT / "docs" / "benchmarks.md"
BASE_SAMPLE = ROOT / "datasets" / "sample_cohort" / "answers" / "bfablethorn.json"  # the fullest one
SCHOOLS = ("Oak Hollow", "Saltlick Run", "Copper Kettle", "Bramble Ridge", "Lantern Hill",
           "Mossy Ford", "Quill Creek")
STAMP = "2025-11-20T10:00:00.000+00:00"


# ---- a participant with all six sessions filled --------------------------------------------------
def synth_value(f: defs.Field, i: int = 0):
    """A valid, non-blank value for field ``f`` (see schema.value_schema for the types)."""
    if f.type == "short_text":
        return f"{f.label[:40]} (sample {i})"
    if f.type == "long_text":
        return (f"Sample answer {i} to “{f.label[:60]}”. We met as a team, looked at what the library "
                "does now and agreed on the next steps, with dates and who does what.")
    if f.type == "choice":
        return f.options[i % len(f.options)]
    if f.type == "multi_choice":
        return list(f.options[:2])
    if f.type == "scale":
        return 1 + i % len(f.levels)
    if f.type == "number":
        lo = f.min if f.min is not None else 0
        hi = f.max if f.max is not None else lo + 100
        return int(lo + (hi - lo) // 2)
    if f.type == "date":
        return f"2025-{1 + i % 12:02d}-15"
    if f.type == "table":
        return [{c.id: synth_value(c, r) for c in f.columns} for r in range(max(2, f.min_rows))]
    raise AssertionError(f"unhandled field type {f.type}")


def full_document() -> dict:
    """The fullest sample participant with every question of every session answered, validated."""
    doc = json.loads(BASE_SAMPLE.read_text(encoding="utf-8"))
    answers = doc["answers"]
    for key, f in defs.all_fields().items():
        entry = answers.get(key)
        if entry is None or is_blank(entry.get("value")):
            answers[key] = {"value": synth_value(f), "updated": STAMP}
    doc["participant"]["id"] = "p0000"
    doc = check_submission("p0000", json.dumps(doc).encode("utf-8"))  # SubmissionRejected if not valid
    progress = summarize(doc)
    # the six sessions and orientation
    assert len(progress) >= 6 and all(p["answered"] == p["total"] for p in progress.values()), progress
    return doc


def participant_doc(base_json: str, user: str, i: int, older: bool = False) -> dict:
    doc = json.loads(base_json)
    doc["participant"].update(id=user, name=f"Participant {i:04d} (fictional)",
                              school=f"{SCHOOLS[i % len(SCHOOLS)]} School {i % 40} (fictional)")
    if older:  # an earlier send: only the first three sessions
        keep = {s.id for s in defs.sessions()[:3]}
        doc["answers"] = {k: v for k, v in doc["answers"].items() if k.split(".", 1)[0] in keep}
    return doc


# ---- HTTP ----------------------------------------------------------------------------------------
def request(url: str, token: str, method: str = "GET", body=None, timeout: float = 120) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"token {token}"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@dataclass
class Timings:
    first: float = 0.0
    warm: list[float] = field(default_factory=list)
    expired: list[float] = field(default_factory=list)
    size: int = 0
    gzipped: int = 0


def fmt_s(x: float) -> str:
    if x >= 1:
        return f"{x:.2f} s"
    return f"{x * 1000:.0f} ms" if x >= 0.01 else f"{x * 1000:.1f} ms"


def med_max(xs: list[float]) -> str:
    return f"{fmt_s(statistics.median(xs))} / {fmt_s(max(xs))} ({len(xs)})" if xs else "—"


# ---- one cohort size -----------------------------------------------------------------------------
def run_size(n: int, base_json: str, reps: int, cold_reps: int, workdir: Path) -> dict:
    users = [f"p{i:04d}" for i in range(1, n + 1)]
    state = workdir / f"hub-{n}"
    s = HubSettings(state=state, port=free_port(), password=secrets.token_hex(8), participants=[],
                    facilitators=[FACILITATOR], admin_token=secrets.token_hex(24), default_url="/hub/home")
    print(f"\n== {n} participants: starting JupyterHub in {state} …", flush=True)
    t = time.perf_counter()
    proc = start_hub(s)
    out: dict = {"n": n, "hub_start": time.perf_counter() - t}
    try:
        hub_api = f"{s.url}/hub/api"
        t = time.perf_counter()
        for k in range(0, n, 250):
            status, body = request(f"{hub_api}/users", s.admin_token, "POST", {"usernames": users[k:k + 250]})
            assert status == 201, (status, body[:300])
        out["create_users"] = time.perf_counter() - t

        t = time.perf_counter()
        db = SubmissionDB(s.service_data / "submissions.sqlite")
        try:
            for i, user in enumerate(users, 1):  # older sends first: the latest is the highest id
                if i % 10 == 0:
                    db.add(user, participant_doc(base_json, user, i, older=True))
            for i, user in enumerate(users, 1):
                db.add(user, participant_doc(base_json, user, i))
            stored = sum(db.counts().values())
        finally:
            db.close()
        out["insert"] = time.perf_counter() - t
        out["submissions"] = stored
        print(f"   {n} hub users in {out['create_users']:.1f} s, {stored} submissions in {out['insert']:.1f} s",
              flush=True)

        status, body = request(f"{hub_api}/users/{FACILITATOR}/tokens", s.admin_token, "POST",
                               {"note": "benchmark"})
        assert status in (200, 201), (status, body[:300])
        token = json.loads(body)["token"]

        def get(path: str, check) -> tuple[float, int, int]:
            t0 = time.perf_counter()
            status, payload = request(s.service_url + path, token)
            elapsed = time.perf_counter() - t0
            assert status == 200, (path, status, payload[:300])
            check(payload)
            return elapsed, len(payload), len(gzip.compress(payload, 6))

        def check_progress(payload: bytes) -> None:
            people = json.loads(payload)["participants"]
            assert len(people) == n, len(people)
            assert all(p["sessions"] and all(x["answered"] == x["total"] for x in p["sessions"].values())
                       for p in people)
            assert sum(p["submissions"] for p in people) == stored

        def check_dashboard(payload: bytes) -> None:
            html = payload.decode("utf-8")
            assert f'id="count-people">{n}</span>' in html and f'id="count-sent">{n}</span>' in html, html[:500]
            assert html.count('<tr data-user=') == n

        endpoints = {"api/progress": ("api/progress", check_progress),
                     "dashboard": ("", check_dashboard)}
        timings = {name: Timings() for name in endpoints}
        # The very first request: the service has no hub-user list yet and HubOAuth looks the token up.
        # The dashboard's first request follows it and finds the hub-user list cached.
        for name in endpoints:
            t = timings[name]
            t.first, t.size, t.gzipped = get(*endpoints[name])
        for name, (path, check) in endpoints.items():
            for _ in range(reps):
                timings[name].warm.append(get(path, check)[0])
        for _ in range(cold_reps):  # the hub-user cache expires: every such request lists all hub users
            for name, (path, check) in endpoints.items():
                print(f"   waiting {USERS_CACHE_S + 1} s for the service's hub-user cache to expire …",
                      flush=True)
                time.sleep(USERS_CACHE_S + 1)
                timings[name].expired.append(get(path, check)[0])
        out["http"] = timings

        # The Hub's own user listing, paged exactly as HubDirectory.users does it.
        listing = []
        for _ in range(reps):
            t0 = time.perf_counter()
            got, offset = 0, 0
            while True:
                status, body = request(f"http://127.0.0.1:{s.hub_port}/hub/api/users?offset={offset}"
                                       "&limit=200&include_stopped_servers=0", s.admin_token)
                assert status == 200, (status, body[:300])
                page = json.loads(body)
                page = page["items"] if isinstance(page, dict) else page
                got += len(page)
                if len(page) < 200:
                    break
                offset += len(page)
            listing.append(time.perf_counter() - t0)
            assert got == n + 1, got  # the participants and the facilitator
        out["hub_listing"] = listing
        out["breakdown"] = breakdown(s, reps)
    finally:
        print("   stopping the hub …", flush=True)
        stop_hub(proc, state)
    return out


def breakdown(s: HubSettings, reps: int) -> dict:
    """Where a progress/dashboard request's time goes, measured in this process against the same
    database and Hub (the service's own code, not a copy)."""
    svc = Service(s.service_data, api_url=f"http://127.0.0.1:{s.hub_port}/hub/api", token=s.admin_token)

    def timed(fn):
        xs = []
        for _ in range(reps):
            t0 = time.perf_counter()
            result = fn()
            xs.append(time.perf_counter() - t0)
        return statistics.median(xs), result

    async def measure():
        parts = {}
        parts["db.latest_all"], _ = timed(svc.db.latest_all)
        parts["db.counts"], _ = timed(svc.db.counts)
        xs = []
        for _ in range(reps):
            t0 = time.perf_counter()
            await svc.directory.users(fresh=True)
            xs.append(time.perf_counter() - t0)
        parts["hub user list (HubDirectory.users, fresh)"] = statistics.median(xs)
        xs = []
        for _ in range(reps):
            t0 = time.perf_counter()
            progress = await svc.progress()  # hub users cached from the line above
            xs.append(time.perf_counter() - t0)
        parts["Service.progress (hub users cached)"] = statistics.median(xs)
        parts["json.dumps(progress)"], _ = timed(lambda: json.dumps(progress, ensure_ascii=False))
        parts["dashboard.dashboard_html"], _ = timed(
            lambda: dashboard.dashboard_html(progress, FACILITATOR, "api/export.zip", "nonce", "xsrf"))
        return parts

    try:
        return asyncio.run(measure())
    finally:
        svc.db.close()


# ---- the alternative: collect the files and count -------------------------------------------------
def files_alternative(n: int, base_json: str, reps: int, workdir: Path) -> dict:
    folder = workdir / f"answers-{n}"
    folder.mkdir()
    for i in range(1, n + 1):
        user = f"p{i:04d}"
        doc = participant_doc(base_json, user, i)
        (folder / f"{user}.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
    total_bytes = sum(p.stat().st_size for p in folder.iterdir())
    session_ids = [x.id for x in defs.sessions()]

    def count_all() -> dict:
        counts = {}
        for path in sorted(folder.glob("*.json")):
            with open(path, encoding="utf-8") as fh:
                doc = json.load(fh)
            per = dict.fromkeys(session_ids, 0)
            for key, entry in doc["answers"].items():
                value = entry.get("value")
                if not (value is None or value == [] or (isinstance(value, str) and not value.strip())):
                    per[key.split(".", 1)[0]] += 1
            counts[doc["participant"]["id"]] = per
        return counts

    times = []
    for _ in range(1 + reps):
        t0 = time.perf_counter()
        counts = count_all()
        times.append(time.perf_counter() - t0)
    full = {x.id: sum(len(ws.fields) for ws in x.worksheets) for x in defs.sessions()}
    assert len(counts) == n and all(c == full for c in counts.values())
    return {"first": times[0], "warm": times[1:], "bytes": total_bytes}


# ---- report ----------------------------------------------------------------------------------------
def machine() -> str:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    osname = platform.platform()
    try:
        osname = re.search(r'^PRETTY_NAME="?([^"\n]*)', Path("/etc/os-release").read_text(), re.M).group(1)
    except (OSError, AttributeError):
        pass
    mem = ""
    try:
        kib = int(re.search(r"^MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text(), re.M).group(1))
        mem = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, AttributeError):
        pass
    import jupyterhub

    return (f"{osname}, Python {platform.python_version()}, {cores} cores (nproc){mem}, "
            f"JupyterHub {jupyterhub.__version__}")


def kb(nbytes: int) -> str:
    return f"{nbytes / 1e6:.1f} MB" if nbytes >= 1e6 else f"{nbytes / 1e3:.0f} kB"


def report(results: list[dict], files: dict, big: int, reps: int) -> tuple[str, bool]:
    lines = ["| what | participants | first request | repeats, hub users cached: median / max (n) | "
             "hub-user cache expired: median / max (n) | response |",
             "|---|---|---|---|---|---|"]
    for r in results:
        for name, t in r["http"].items():
            label = "`GET api/progress`" if name == "api/progress" else "`GET /` (dashboard page)"
            lines.append(f"| {label} | {r['n']:,} | {fmt_s(t.first)} | {med_max(t.warm)} | "
                         f"{med_max(t.expired)} | {kb(t.size)} (gzip {kb(t.gzipped)}) |")
    for r in results:
        lines.append(f"| Hub user list alone (`GET /hub/api/users`, pages of 200) | {r['n']:,} | — | "
                     f"{med_max(r['hub_listing'])} | — | — |")
    lines.append(f"| alternative: `json.load` {big:,} answers files and count per session | {big:,} | "
                 f"{fmt_s(files['first'])} | {med_max(files['warm'])} | — | {kb(files['bytes'])} read |")
    worst = {name: max([t.first, *t.warm, *t.expired]) for name, t in
             next(r for r in results if r["n"] == big)["http"].items()}
    met = all(x <= TARGET_S for x in worst.values())
    return "\n".join(lines), met


def breakdown_lines(results: list[dict]) -> str:
    names = list(results[0]["breakdown"])
    lines = ["| step (in-process, median) | " + " | ".join(f"{r['n']:,}" for r in results) + " |",
             "|---|" + "---|" * len(results)]
    for name in names:
        lines.append(f"| {name} | " + " | ".join(fmt_s(r["breakdown"][name]) for r in results) + " |")
    return "\n".join(lines)


def section(table: str, parts: str, met: bool, results: list[dict], files: dict, big: int, reps: int) -> str:
    r = next(x for x in results if x["n"] == big)
    worst = max(max([t.first, *t.warm, *t.expired]) for t in r["http"].values())
    verdict = (f"**met**: the slowest of all {big:,}-participant requests took {fmt_s(worst)}." if met else
               f"**not met**: the slowest {big:,}-participant request took {fmt_s(worst)}.")
    questions = sum(len(ws.fields) for x in defs.sessions() for ws in x.worksheets)
    prose = [
        f"Measured with `scripts/benchmark_hub.py` (run: `.venv/bin/python scripts/benchmark_hub.py "
        f"--write`) on {dt.date.today().isoformat()}: {machine()}. Target (from the issue): "
        f"`api/progress` and the dashboard for 1,000 participants with all six sessions filled answer "
        f"in ≤ {TARGET_S:.0f} s. Result: {verdict}",
        f"Each size runs a real JupyterHub, its proxy and the `leading-edge` service on 127.0.0.1. The "
        f"participants are hub users (created with the Hub's bulk API), each with one submission "
        f"answering all {questions} questions of the six sessions, and every 10th with an older one "
        f"holding the first three sessions ({r['submissions']:,} rows for {big:,}), stored straight "
        f"into the service's SQLite. Requests go through the proxy with the facilitator's token, a new "
        f"connection each. \"First request\" is the first after the service started: for "
        f"`api/progress` with no hub-user list yet and the token not yet looked up; the dashboard's "
        f"first follows it and finds the list cached. Repeats follow within the service's "
        f"{USERS_CACHE_S} s hub-user cache. \"Cache expired\" requests come after waiting that out, so "
        f"the service pages through the Hub's whole user list again: what a facilitator who opens the "
        f"dashboard now and then usually gets. Sizes are uncompressed (these requests do not ask "
        f"for gzip); browsers ask for it and get the gzip size.",
    ]
    after = [
        "The alternative row is what a facilitator could otherwise do: collect everyone's answers "
        "files (written with `indent=2`, as the export does) into a folder and count non-blank "
        "answers per session with plain Python (`json.load` each file). The files were just written, "
        f"so they are in the page cache, and gathering them from {big:,} homes is not included.",
    ]
    wrap = lambda paras: "\n\n".join(textwrap.fill(x, 100, break_on_hyphens=False) for x in paras)  # noqa: E731
    return (f"{SECTION}\n\n{wrap(prose)}\n\n{table}\n\n"
            "Where the time goes, measured in the benchmark's own process with the service's code against\n"
            f"the same database and Hub:\n\n{parts}\n\n{wrap(after)}\n")


def write_section(text: str, heading: str = SECTION) -> None:
    """Put ``text`` (which starts with ``heading``) into docs/benchmarks.md, replacing that section."""
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    start = doc.find(heading)
    if start >= 0:
        nxt = doc.find("\n## ", start + len(heading))
        end = nxt + 1 if nxt >= 0 else len(doc)
        doc = doc[:start] + text.rstrip("\n") + "\n" + ("\n" if nxt >= 0 else "") + doc[end:]
    else:
        doc = doc.rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n"
    DOC.write_text(doc, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--participants", type=int, default=1000, help="the cohort size to check (default 1000)")
    p.add_argument("--compare", type=int, default=30, help="a small cohort for comparison (0: skip)")
    p.add_argument("--reps", type=int, default=7, help="repetitions of each timed request (default 7)")
    p.add_argument("--cold-reps", type=int, default=3,
                   help=f"requests after the {USERS_CACHE_S} s hub-user cache expired, per endpoint (default 3)")
    p.add_argument("--write", action="store_true", help=f"put the results into {DOC.relative_to(ROOT)}")
    args = p.parse_args(argv)

    base_json = json.dumps(full_document(), ensure_ascii=False)
    sizes = [x for x in (args.compare, args.participants) if x]
    results = []
    with tempfile.TemporaryDirectory(prefix="llc-bench-hub-") as d:
        workdir = Path(d)
        for n in sizes:
            results.append(run_size(n, base_json, args.reps, args.cold_reps, workdir))
        files = files_alternative(args.participants, base_json, args.reps, workdir)
    table, met = report(results, files, args.participants, args.reps)
    parts = breakdown_lines(results)
    print()
    print(table)
    print()
    print(parts)
    print(f"\nTarget ≤ {TARGET_S:.0f} s at {args.participants:,} participants: {'met' if met else 'NOT met'}")
    for r in results:
        print(f"({r['n']} participants: hub start {r['hub_start']:.1f} s, users {r['create_users']:.1f} s, "
              f"inserts {r['insert']:.1f} s)")
    if args.write:
        write_section(section(table, parts, met, results, files, args.participants, args.reps))
        print(f"Wrote the section to {DOC}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
