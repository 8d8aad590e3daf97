"""The end of a live session: everyone presses Send within a few seconds.

Run: .venv/bin/python scripts/benchmark_sends.py [--participants 300] [--clients 50] [--write]

Target (issue 20): 300 participants pressing Send within a few seconds are acknowledged with
p95 ≤ 1 s. Timed here rather than in a test, which would flake on shared machines.

The script starts a real JupyterHub with its proxy and the ``leading-edge`` service
(``hub.demo.start_hub``) in a temporary folder, creates the participants as hub users through the
Hub's bulk API and an API token for each (as each participant's server has one), then sends, through
the proxy, ``--clients`` at a time, each participant's answers (the sample's fullest participant
with every question of all six sessions answered, ~50 kB) to ``api/submissions`` — a new connection
per send, as each participant's kernel makes:

* **first sends**: every token is new to the service, which asks the Hub about each one;
* **repeat sends**: everyone presses Send again (tokens known to the service);
* **the Hub's own token check** at the same concurrency (``GET /hub/api/user``, each user's second
  token, first unseen and then again): the floor under any service that authenticates through the
  Hub, as the first sends' lookups are.

Every send's answer is checked (201, the user it was filed under, the count of answers) and the
database must hold exactly one submission per send afterwards. ``--write`` puts the results into
docs/benchmarks.md (replacing this section if it is there).
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime as dt
import json
import secrets
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent))

from benchmark_hub import full_document, machine, participant_doc, request, write_section  # noqa: E402

from llc_exercises.core.ports import free_port  # noqa: E402
from llc_exercises.hub.demo import HubSettings, start_hub, stop_hub  # noqa: E402
from llc_exercises.hub.submissions import SubmissionDB  # noqa: E402

TARGET_P95_S = 1.0
SECTION = "## Hub service: the end of a live session, everyone presses Send"


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q * len(xs)) - 1))]


def ms(x: float) -> str:
    return f"{x * 1000:,.0f} ms"


def wave(jobs: list, clients: int) -> dict:
    """Run ``jobs`` (callables returning seconds) ``clients`` at a time; latencies and wall time."""
    t0 = time.perf_counter()
    with cf.ThreadPoolExecutor(clients) as pool:
        lat = list(pool.map(lambda job: job(), jobs))
    wall = time.perf_counter() - t0
    return {"n": len(lat), "p50": statistics.median(lat), "p95": pct(lat, 0.95), "max": max(lat), "wall": wall}


def run(n: int, clients: int, workdir: Path) -> dict:
    users = [f"p{i:04d}" for i in range(1, n + 1)]
    s = HubSettings(state=workdir / "hub", port=free_port(), password=secrets.token_hex(8), participants=[],
                    facilitators=[], admin_token=secrets.token_hex(24), default_url="/hub/home")
    print(f"starting JupyterHub in {s.state} …", flush=True)
    proc = start_hub(s)
    try:
        hub_api = f"{s.url}/hub/api"
        for k in range(0, n, 250):
            status, body = request(f"{hub_api}/users", s.admin_token, "POST", {"usernames": users[k:k + 250]})
            assert status == 201, (status, body[:300])
        def new_tokens() -> dict[str, str]:
            out = {}
            for u in users:
                status, body = request(f"{hub_api}/users/{u}/tokens", s.admin_token, "POST", {"note": "bench"})
                assert status in (200, 201), (status, body[:300])
                out[u] = json.loads(body)["token"]
            return out

        tokens, hub_tokens = new_tokens(), new_tokens()  # the Hub's check gets tokens it has not seen
        base = json.dumps(full_document(), ensure_ascii=False)
        bodies = {u: participant_doc(base, u, i) for i, u in enumerate(users, 1)}
        size = len(json.dumps(bodies[users[0]]).encode())
        print(f"{n} hub users with tokens; each send is {size / 1000:.0f} kB", flush=True)

        def send(u: str):
            def job() -> float:
                t = time.perf_counter()
                status, body = request(f"{s.service_url}api/submissions", tokens[u], "POST", bodies[u])
                elapsed = time.perf_counter() - t
                reply = json.loads(body)
                assert status == 201 and reply["user"] == u and reply["answered"] > 100, (status, body[:300])
                return elapsed
            return job

        def hub_check(u: str):
            def job() -> float:
                t = time.perf_counter()
                status, body = request(f"{hub_api}/user", hub_tokens[u])
                elapsed = time.perf_counter() - t
                assert status == 200 and json.loads(body)["name"] == u, (status, body[:300])
                return elapsed
            return job

        out = {"size": size}
        print("first sends …", flush=True)
        out["first"] = wave([send(u) for u in users], clients)
        print("repeat sends …", flush=True)
        out["repeat"] = wave([send(u) for u in users], clients)
        print("the Hub's own token check …", flush=True)
        out["hub"] = wave([hub_check(u) for u in users], clients)
        out["hub_again"] = wave([hub_check(u) for u in users], clients)
        db = SubmissionDB(s.service_data / "submissions.sqlite")
        try:
            counts = db.counts()
        finally:
            db.close()
        assert counts == dict.fromkeys(users, 2), "every send stored exactly once"
        return out
    finally:
        print("stopping the hub …", flush=True)
        stop_hub(proc, s.state)


def in_process(n: int, workdir: Path) -> dict:
    """What one send costs the service, in this process: the check with and without the quick
    verdict, and storing ``n`` sends one commit each or as one group."""
    from llc_exercises.core import schema

    base = json.dumps(full_document(), ensure_ascii=False)
    docs = [participant_doc(base, f"p{i:04d}", i) for i in range(1, n + 1)]

    def median_ms(fn, items) -> float:
        xs = []
        for item in items:
            t = time.perf_counter()
            fn(item)
            xs.append(time.perf_counter() - t)
        return statistics.median(xs)

    schema.problems(docs[0])  # both validators built once, as in the running service
    out = {"quick": median_ms(schema.problems, docs[:50]),
           "jsonschema": median_ms(lambda d: list(schema._validator().iter_errors(d)), docs[:50])}
    one = SubmissionDB(workdir / "one.sqlite")
    t = time.perf_counter()
    for d in docs:
        one.add(d["participant"]["id"], d)
    out["one_by_one"] = time.perf_counter() - t
    grouped = SubmissionDB(workdir / "grouped.sqlite")
    t = time.perf_counter()
    grouped.add_many([(d["participant"]["id"], d) for d in docs])
    out["grouped"] = time.perf_counter() - t
    one.close(), grouped.close()
    return out


def section(r: dict, n: int, clients: int) -> str:
    met = r["first"]["p95"] <= TARGET_P95_S and r["repeat"]["p95"] <= TARGET_P95_S
    rows = [("first sends (every token new to the service)", r["first"]),
            ("repeat sends (tokens known)", r["repeat"]),
            ("the Hub's own token check, `GET /hub/api/user`, tokens new to it", r["hub"]),
            ("the same, tokens it has seen", r["hub_again"])]
    table = ["| what | requests | p50 | p95 | max | all done in |", "|---|---|---|---|---|---|"]
    table += [f"| {name} | {x['n']} | {ms(x['p50'])} | {ms(x['p95'])} | {ms(x['max'])} | {x['wall']:.1f} s |"
              for name, x in rows]
    prose = (f"Measured with `scripts/benchmark_sends.py` (run: `.venv/bin/python scripts/benchmark_sends.py "
             f"--write`) on {dt.date.today():%Y-%m-%d}: {machine()}. Target (issue 20): {n} participants "
             f"pressing Send within a few seconds are acknowledged with p95 ≤ {TARGET_P95_S:.0f} s. "
             f"Result: **{'met' if met else 'not met'}**. A real JupyterHub, its proxy and the service on "
             f"127.0.0.1; {n} hub users, each with an API token as their server has; {clients} clients "
             f"at once, a new connection per send, through the proxy. Each send is the sample's fullest "
             f"participant with every question answered ({r['size'] / 1000:.0f} kB). Every reply is checked "
             "and the database holds exactly one submission per send.")
    p = r["parts"]
    parts = (f"Where a send's time goes, in this process on the same documents: the schema check "
             f"{p['quick'] * 1000:.1f} ms with jsonschema-rs giving the verdict "
             f"(the service's path) against {p['jsonschema'] * 1000:.1f} ms for jsonschema alone (the check "
             f"before issue 20); storing {n} sends {p['one_by_one']:.2f} s one commit each against "
             f"{p['grouped']:.2f} s as one group (the service writes whoever arrived during the last commit "
             "together, off its event loop). The first sends' extra time is the Hub's: each new token "
             "is looked up once (then cached by the service for 5 minutes, JupyterHub's default), and "
             "the Hub, the proxy and the service share the same two cores; the row for the Hub's own "
             "check shows its cost without the service. Before issue 20 the same machine measured "
             "300 sends at p95 2.1 s and 100 repeat sends at p50 245 ms.")
    return (f"{SECTION}\n\n" + "\n".join(textwrap.wrap(prose, 100)) + "\n\n" + "\n".join(table) + "\n\n"
            + "\n".join(textwrap.wrap(parts, 100)) + "\n")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--participants", type=int, default=300)
    p.add_argument("--clients", type=int, default=50, help="sends at once (default 50)")
    p.add_argument("--write", action="store_true", help="put the results into docs/benchmarks.md")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="llc-bench-sends-") as d:
        r = run(args.participants, args.clients, Path(d))
        r["parts"] = in_process(args.participants, Path(d))
    text = section(r, args.participants, args.clients)
    print("\n" + text)
    if args.write:
        write_section(text, SECTION)
    return 0 if r["first"]["p95"] <= TARGET_P95_S else 1


if __name__ == "__main__":
    sys.exit(main())
