"""Slack HTTP mode under load: signed slash commands against `showbot serve slack --http` (1 and 2 workers).

Three processes on loopback, as in production minus the network: the server (the real CLI, Étoile pack,
question log on), a fake of Slack's Web API / response_url endpoint (its own process, recording when each
answer arrives), and this process sending requests from concurrent keep-alive connections. Reported:
requests/s, the ack's median and p99 latency (what Slack's 3 s limit applies to), errors, and how many
answers reached the response_url and how long after the request.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import urlencode

from bench.common import Result, clean_env, heading, percentile, showbot_command, table, verdict

TARGET_RPS = 200.0
TARGET_P99_MS = 500.0
SECRET = "bench-signing-secret"
CONCURRENCY = 16
RATES = (200.0, 400.0)  # requests offered per second: the target, and twice it
QUESTIONS = (
    "is there a season 2?",
    "who plays cheyenne?",
    "where can i watch it",
    "who plays the dancer",  # clarify
    "what is the capital of france",  # unknown
    "when did it premiere",
    "who created it",
    "how many episodes are there",
)


def _serve_fake(conn: Connection) -> None:
    """The fake Slack in its own process: sends its URL, then answers "count" (answers received so far)
    and "stop" (each answer's arrival time, by request number)."""
    from bot.adapters.slack.fake import FakeSlack

    fake = FakeSlack().start()
    conn.send(fake.url)
    while conn.recv() == "count":
        conn.send(sum(c.method == "response_url" for c in fake.replies()))
    conn.send({c.path.rsplit("/", 1)[-1]: c.at for c in fake.replies() if c.method == "response_url"})
    fake.stop()


class Load:
    """Closed-loop load: each thread keeps one connection and sends the next request when one is acked."""

    def __init__(self, port: int, fake_url: str) -> None:
        from bot.adapters.slack.fake import signed_headers

        self.sign = signed_headers
        self.port = port
        self.fake_url = fake_url
        self.counter = iter(range(10**9))
        self.lock = threading.Lock()
        self.sent: dict[str, float] = {}  # request id -> send time (monotonic)
        self.latencies_ms: list[float] = []
        self.errors = 0
        self.acked = 0  # warm-up included: how many answers the fake should receive

    def one(self, conn: http.client.HTTPConnection, record: bool, n: int, due: float) -> http.client.HTTPConnection:
        """Send request `n`; its latency counts from `due`, when it was scheduled."""
        form = {
            "command": "/showbot",
            "text": QUESTIONS[n % len(QUESTIONS)],
            "team_id": "T0BENCH",
            "channel_id": f"C{n % 50:08d}",
            "user_id": f"U{n:08d}",  # every request from another fan: the per-user cooldown never applies
            "response_url": f"{self.fake_url}/respond/{n}",
        }
        body = urlencode(form)
        headers = {"Content-Type": "application/x-www-form-urlencoded", **self.sign(SECRET, body)}
        try:
            conn.request("POST", "/slack/events", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        elapsed_ms = (time.monotonic() - due) * 1000
        with self.lock:
            self.acked += ok
            if record:
                if ok:
                    self.latencies_ms.append(elapsed_ms)
                    self.sent[str(n)] = due
                else:
                    self.errors += 1
        return conn

    def run(self, seconds: float, record: bool, rate: float) -> float:
        """Send `rate` requests per second for `seconds` from CONCURRENCY threads; returns the wall time.

        Open loop: a request's latency counts from when it was due, so a stall is not hidden by the
        senders slowing down with it. (A closed loop would measure only acks: they are cheap, and the
        answers would queue up behind them unmeasured.)
        """
        started = time.monotonic()
        stop_at = started + seconds
        first = next(self.counter)

        def worker() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            while True:
                with self.lock:
                    n = next(self.counter)
                due = started + (n - first) / rate
                if due >= stop_at:
                    break
                time.sleep(max(0.0, due - time.monotonic()))
                conn = self.one(conn, record, n, due)
            conn.close()

        threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.monotonic() - started


def measure(workers: int, seconds: float, db: Path, tmp: Path, rate: float) -> Result:
    """One configuration: start the fake and the server, warm up, load, wait for the answers."""
    from bot.adapters.slack.fake import free_port, wait_healthy

    context = multiprocessing.get_context("spawn")
    here, there = context.Pipe()
    fake = context.Process(target=_serve_fake, args=(there,), daemon=True)
    fake.start()
    fake_url: str = here.recv()
    port = free_port()
    env = {
        **clean_env(),
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": f"{fake_url}/api/",
        "SHOWBOT_LOG_DB": str(tmp / f"log-{workers}.db"),
    }
    command = [*showbot_command(), "serve", "slack", "--http", "--port", str(port), "--workers", str(workers)]
    server = subprocess.Popen([*command, "--db", str(db)], env=env, cwd=tmp, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(port, server)
        load = Load(port, fake_url)
        load.run(2.0, record=False, rate=50)  # warm-up: each worker loads the show on its first questions
        wall = load.run(seconds, record=True, rate=rate)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:  # the last answers are still being posted
            here.send("count")
            if here.recv() >= load.acked:
                break
            time.sleep(0.1)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(30)
        here.send("stop")
        arrivals: dict[str, float] = here.recv()
        fake.join(10)
    delivered = [(arrivals[n] - t) * 1000 for n, t in load.sent.items() if n in arrivals]
    ok = load.latencies_ms
    return {
        "workers": workers,
        "offered_per_s": rate,
        "concurrency": CONCURRENCY,
        "seconds": round(wall, 2),
        "requests": len(ok) + load.errors,
        "requests_per_s": round(len(ok) / wall, 1),
        "median_ms": round(statistics.median(ok), 2) if ok else None,
        "p99_ms": round(percentile(ok, 99), 2) if ok else None,
        "errors": load.errors,
        "answers_delivered": len(delivered),
        "answer_median_ms": round(statistics.median(delivered), 2) if delivered else None,
        "answer_p99_ms": round(percentile(delivered, 99), 2) if delivered else None,
    }


def run(quick: bool = False) -> Result:
    heading("Slack HTTP mode: signed slash commands on loopback")
    seconds = 4.0 if quick else 15.0
    pinned = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    if pinned is not None:  # `python -m bench` pins itself to one core; the server needs them all
        os.sched_setaffinity(0, range(os.cpu_count() or 1))
    try:
        with tempfile.TemporaryDirectory(prefix="bench-slack-") as name:
            tmp = Path(name)
            from bench.etoile import build_etoile

            db = tmp / "etoile.db"
            build_etoile(db)
            results = [measure(workers, seconds, db, tmp, rate) for workers in (1, 2) for rate in RATES]
    finally:
        if pinned is not None:
            os.sched_setaffinity(0, pinned)
    rows = [
        [
            f"{r['workers']} worker{'s' if r['workers'] > 1 else ''}, {r['offered_per_s']:.0f}/s offered",
            r["requests"],
            r["requests_per_s"],
            r["median_ms"],
            r["p99_ms"],
            r["errors"],
            f"{r['answers_delivered']}/{r['requests']}",
            r["answer_median_ms"],
            r["answer_p99_ms"],
            verdict(meets_target(r)),
        ]
        for r in results
    ]
    headers = [
        "server, load",
        "requests",
        "req/s",
        "ack median ms",
        "ack p99 ms",
        "errors",
        "answered",
        "answer median ms",
    ]
    table(
        [*headers, "answer p99 ms", f">= {TARGET_RPS:.0f}/s, p99 < {TARGET_P99_MS:.0f} ms, 0 errors"],
        rows,
        title=f"open loop from {CONCURRENCY} keep-alive connections, {seconds:.0f} s per row, {os.cpu_count()} CPUs",
    )
    return {"runs": results, "target": {"requests_per_s": TARGET_RPS, "p99_ms": TARGET_P99_MS, "errors": 0}}


def meets_target(r: Result) -> bool:
    """The issue's target, on acks and on answers. An open-loop run at 200/s shows 200/s minus the ramp, so
    98% of it counts; every answer must arrive, with its p99 under the same 500 ms."""
    fast_enough = r["requests_per_s"] >= 0.98 * TARGET_RPS
    answers_ok = r["answers_delivered"] == r["requests"] and (r["answer_p99_ms"] or 1e9) < TARGET_P99_MS
    return bool(fast_enough and (r["p99_ms"] or 1e9) < TARGET_P99_MS and not r["errors"] and answers_ok)


if __name__ == "__main__":
    print(json.dumps(run(quick=True), indent=2))
