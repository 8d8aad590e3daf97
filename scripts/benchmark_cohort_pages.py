"""A facilitator of one 30-person cohort on a hub of 1,000 users: the dashboard, the cohort's
progress, one participant's page, and what feedback adds to a participant's form.

Run: .venv/bin/python scripts/benchmark_cohort_pages.py [--write]

Targets (issue 20): the dashboard and a participant page answer in ≤ 0.5 s; ``llc.show`` with
feedback adds ≤ 0.1 s to a form's first display. Timed here rather than in tests, which would flake
on shared machines.

A real JupyterHub with its proxy and the ``leading-edge`` service (``hub.demo.start_hub``); 1,000 hub
users, each with one submission answering every question of every session; 30 of them in the group
of a cohort file (the demo's second cohort, run by ``facilitator2``), the rest in no cohort; three
feedback items for one participant. Requests go through the proxy with the facilitator's token, a
new connection each. A participant page's first view comes right after a new send, while its charts
are still being drawn in the service's worker; "charts cached" views come after.

The alternative a facilitator has without the page: build that participant's workbook PDF
(``llc build --answers``) and read it. For the form, ``participant.feedback`` is timed in this
process against the same service with the participant's own token, as their kernel would ask it.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from benchmark_hub import full_document, machine, participant_doc, request, write_section  # noqa: E402

from llc_exercises.core.ports import free_port  # noqa: E402
from llc_exercises.hub.demo import SECOND_FACILITATOR, HubSettings, demo_cohorts, start_hub, stop_hub  # noqa: E402
from llc_exercises.hub.submissions import SubmissionDB  # noqa: E402

SECTION = "## Hub service: a facilitator's cohort pages and feedback in the form (issue 20)"
SHEET = "visioning.core_beliefs"
PAGE_S, FORM_S = 0.5, 0.1


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def ms(x: float) -> str:
    return f"{x * 1000:,.0f} ms" if x >= 0.01 else f"{x * 1000:.1f} ms"


def run(n: int, cohort_size: int, reps: int, work: Path) -> dict:
    users = [f"p{i:04d}" for i in range(1, n + 1)]
    members, reader = users[:cohort_size], users[0]
    s = HubSettings(state=work / "hub", port=free_port(), password=secrets.token_hex(8), participants=[],
                    facilitators=[], admin_token=secrets.token_hex(24), default_url="/hub/home")
    print(f"starting JupyterHub in {s.state} …", flush=True)
    proc = start_hub(s)
    out: dict = {}
    try:
        api = f"{s.url}/hub/api"
        for k in range(0, n, 250):
            assert request(f"{api}/users", s.admin_token, "POST", {"usernames": users[k:k + 250]})[0] == 201
        assert request(f"{api}/users", s.admin_token, "POST", {"usernames": [SECOND_FACILITATOR]})[0] == 201
        assert request(f"{api}/groups/llc-2026", s.admin_token, "POST")[0] == 201
        assert request(f"{api}/groups/llc-2026/users", s.admin_token, "POST", {"users": members})[0] == 200
        base = json.dumps(full_document(), ensure_ascii=False)
        db = SubmissionDB(s.service_data / "submissions.sqlite")
        try:
            db.add_many([(u, participant_doc(base, u, i)) for i, u in enumerate(users, 1)])
        finally:
            db.close()
        (s.service_data / "cohorts" / "llc-2026.yaml").write_text(demo_cohorts()["llc-2026"], encoding="utf-8")
        token = {u: json.loads(request(f"{api}/users/{u}/tokens", s.admin_token, "POST", {})[1])["token"]
                 for u in (SECOND_FACILITATOR, reader)}
        fac = token[SECOND_FACILITATOR]
        time.sleep(2)  # the cohorts folder is read at most once a second
        for text in ("Strong start.", "Could you say who does what by when?", "Lovely plan."):
            status, _ = request(f"{s.service_url}api/feedback/{reader}", fac, "POST",
                                {"worksheet": SHEET, "text": text})
            assert status == 201, status

        def get(path: str, expect: str, rows: int = 0) -> None:
            status, body = request(s.service_url + path, fac)
            text = body.decode("utf-8")
            assert status == 200 and expect in text, (path, status, body[:300])
            assert not rows or text.count("<tr data-user=") == rows, (path, text.count("<tr data-user="))

        dash = lambda: get("?cohort=llc-2026", "LLC-2026", rows=cohort_size)  # noqa: E731
        progress = lambda: get("api/cohorts/llc-2026/progress", reader)  # noqa: E731
        page = lambda: get(f"participants/{reader}", "Core-beliefs")  # noqa: E731
        out["dashboard"] = timed(dash, 1 + reps)
        out["progress"] = timed(progress, 1 + reps)
        # a new send: the page's first views come while its charts are being drawn
        status, _ = request(f"{s.service_url}api/submissions", token[reader], "POST",
                            participant_doc(base, reader, 1))
        assert status == 201
        out["page_first"] = timed(page, 1)
        time.sleep(15)  # the worker draws the charts (0.3–2 s on a quiet machine)
        out["page_cached"] = timed(page, reps)

        out["form"] = form_cost(s, token[reader], reader, reps)
        out["pdf"] = pdf_alternative(work, base, reader)
    finally:
        print("stopping the hub …", flush=True)
        stop_hub(proc, s.state)
    return out


def form_cost(s: HubSettings, token: str, user: str, reps: int) -> dict:
    """What the feedback under a form costs its first display, as the participant's kernel asks."""
    from llc_exercises import settings
    from llc_exercises.participant import feedback

    env = {settings.SERVICE_URL.name: s.service_url, settings.HUB_API_TOKEN.name: token,
           settings.HUB_USER.name: user}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        def first_box() -> None:
            feedback.forget()
            box = feedback.box_for(SHEET)
            assert box is not None and "Lovely plan." in box.text()

        first_box()  # imports and the first connection out of the way, as in a kernel's first cell
        return {"first": timed(first_box, reps)}
    finally:
        feedback.forget()
        for k, v in old.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)


def pdf_alternative(work: Path, base: str, user: str) -> float:
    answers = work / f"{user}.json"
    answers.write_text(json.dumps(participant_doc(base, user, 1), ensure_ascii=False), encoding="utf-8")
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "llc_exercises.cli", "build", "--answers", str(answers),
                    "--out", str(work / "pdf"), "--quiet"], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def section(r: dict, n: int, cohort_size: int) -> str:
    def row(name: str, xs: list[float], first: bool = True) -> str:
        head = ms(xs[0]) if first else "—"
        rest = xs[1:] if first else xs
        return f"| {name} | {head} | {ms(statistics.median(rest))} / {ms(max(rest))} ({len(rest)}) |"

    worst_page = max(r["dashboard"] + r["page_first"] + r["page_cached"])
    met = worst_page <= PAGE_S and max(r["form"]["first"]) <= FORM_S
    lines = ["| what | first request | then: median / max (n) |", "|---|---|---|",
             row("dashboard of the cohort (`?cohort=<id>`)", r["dashboard"]),
             row("`GET api/cohorts/<id>/progress`", r["progress"]),
             f"| participant page, just after a new send (charts still being drawn) | {ms(r['page_first'][0])} | — |",
             row("participant page, charts drawn", r["page_cached"], first=False),
             row("feedback under a form: ask the service and draw the box", r["form"]["first"], first=False),
             f"| alternative: build that participant's workbook PDF (`llc build --answers`) | {r['pdf']:.1f} s | — |"]
    prose = (f"Measured with `scripts/benchmark_cohort_pages.py` (run: `.venv/bin/python "
             f"scripts/benchmark_cohort_pages.py --write`) on {dt.date.today():%Y-%m-%d}: {machine()}. "
             f"Targets (issue 20): for a facilitator of one {cohort_size}-person cohort on a hub of {n:,} "
             f"users, the dashboard and a participant page answer in ≤ {PAGE_S} s; the feedback under a "
             f"form adds ≤ {FORM_S} s to its first display. Result: **{'met' if met else 'not met'}** "
             f"(slowest page {ms(worst_page)}). A real JupyterHub, its proxy and the service; every user "
             "has one submission answering every question; requests through the proxy with the "
             "facilitator's token. The form's row is this process asking the same service with the "
             "participant's token, as their kernel does once per notebook, and drawing the box.")
    return (f"{SECTION}\n\n" + "\n".join(textwrap.wrap(prose, 100)) + "\n\n" + "\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--users", type=int, default=1000)
    p.add_argument("--cohort", type=int, default=30)
    p.add_argument("--reps", type=int, default=7)
    p.add_argument("--write", action="store_true", help="put the results into docs/benchmarks.md")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="llc-bench-pages-") as d:
        r = run(args.users, args.cohort, args.reps, Path(d))
    text = section(r, args.users, args.cohort)
    print("\n" + text)
    if args.write:
        write_section(text, SECTION)
    return 0


if __name__ == "__main__":
    sys.exit(main())
