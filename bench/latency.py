"""Per-question Router.ask latency in-process (Étoile and CLINC packs) and `showbot ask` process wall time."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.common import (
    ETOILE_EVAL,
    Result,
    clean_env,
    cpu_model,
    heading,
    latency_stats_ms,
    showbot_command,
    table,
    verdict,
)

TARGET_ETOILE_MS = 0.3
TARGET_CLINC_MS = 1.0
TARGET_COLD_S = 0.5
COLD_QUESTION = "is there a season 2 of etoile"

# Paraphrases beyond the dev eval: other wordings, names, chat spellings, and a few the pack cannot answer.
ETOILE_PARAPHRASES: tuple[str, ...] = (
    "is etoile getting renewed",
    "any chance of a season two",
    "did they cancel the ballet show",
    "why did amazon cancel etoile",
    "how many episodes are in season 1",
    "where do i watch etoile",
    "is etoile on netflix",
    "when did it premiere",
    "who made etoile",
    "who produced it",
    "what is the show about",
    "where is etoile set",
    "what genre is it",
    "who is in the cast",
    "who plays jack",
    "who does lou de laage play",
    "is charlotte gainsbourg in it",
    "who is cheyenne",
    "is it worth watching",
    "what did critics say about it",
    "how much did it cost to make",
    "who directed the finale",
    "are the dancers real ballet dancers",
    "is it like mrs maisel",
    "is there a trailer for season 2",
    "wat happens at the end",
    "etoile s2 release date",
    "how many seasons are there",
    "where was it shot",
    "thanks!",
)


def eval_questions() -> list[str]:
    if not ETOILE_EVAL.is_file():
        return []
    lines = ETOILE_EVAL.read_text(encoding="utf-8").splitlines()
    return [str(json.loads(raw)["q"]) for raw in lines if raw.strip()]


def time_router(db: Path, questions: Sequence[str], min_timings: int) -> tuple[list[int], float]:
    """Open a router on `db` with default settings, ask one untimed warm-up pass over `questions`, then
    time passes until there are at least `min_timings` timings.

    Returns the timings (ns) and the time of the very first question (ms), which loads the show's pack.
    """
    from bot.models import AskContext
    from bot.router import Router
    from bot.store import FactBase

    router = Router(FactBase(db))
    context = AskContext()
    started = time.perf_counter_ns()
    router.ask(questions[0], context)
    first_ms = (time.perf_counter_ns() - started) / 1e6
    for q in questions:
        router.ask(q, context)
    timings: list[int] = []
    clock = time.perf_counter_ns
    while len(timings) < min_timings:
        for q in questions:
            t0 = clock()
            router.ask(q, context)
            timings.append(clock() - t0)
    return timings, first_ms


def etoile_latency(db: Path, min_timings: int) -> Result:
    questions = [*eval_questions(), *ETOILE_PARAPHRASES]
    timings, first_ms = time_router(db, questions, min_timings)
    return {"questions": len(questions), "first_question_ms": round(first_ms, 3), **latency_stats_ms(timings)}


def cold_start(db: Path, runs: int) -> Result:
    """Wall time of whole `showbot ask --db DB "..."` processes (one untimed run first, to settle the disk cache)."""
    cmd = [*showbot_command(), "ask", "--db", str(db), COLD_QUESTION]
    env = clean_env()
    seconds = []
    for n in range(runs + 1):
        started = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=db.parent, check=False)
        elapsed = time.perf_counter() - started
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed (exit {proc.returncode}): {proc.stderr.strip()}")
        if n:
            seconds.append(elapsed)
    return {
        "command": f'showbot ask --db DB "{COLD_QUESTION}"',
        "runs": runs,
        "median_s": round(statistics.median(seconds), 4),
        "min_s": round(min(seconds), 4),
        "max_s": round(max(seconds), 4),
    }


def run(quick: bool = False) -> Result:
    from bench.clinc import load_clinc, write_faq_csv
    from bench.etoile import build_etoile

    heading("Latency")
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    out: Result = {
        "python": platform.python_version(),
        "cpu_model": cpu_model(),
        "cpu_affinity": cpus,
        "one_process_one_core": len(cpus) == 1,
    }
    print(
        f"Python {out['python']} on {out['cpu_model']}; one process"
        + (f", pinned to one core (cpu {cpus[0]})" if len(cpus) == 1 else f", not pinned ({len(cpus)} cpus allowed)")
    )
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        work = Path(tmp)
        etoile_db = work / "etoile.db"
        build_etoile(etoile_db)
        et = out["etoile"] = etoile_latency(etoile_db, 500 if quick else 2000)
        rows.append(_row("Router.ask, Étoile pack", et, TARGET_ETOILE_MS))

        data = load_clinc()
        if data is None:
            print("CLINC150 data not found: skipping the CLINC pack latency")
            out["clinc"] = {"skipped": "CLINC150 data not found"}
        else:
            from bot.faq_import import import_faq

            sheet, clinc_db = work / "clinc.csv", work / "clinc.db"
            write_faq_csv(data.train, sheet)
            import_faq(sheet, "clinc", None, clinc_db)
            val = data.val[::5] if quick else data.val
            questions = [t for t, _ in (*val, *data.oos_val)]
            timings, first_ms = time_router(clinc_db, questions, len(questions))
            cl = out["clinc"] = {
                "phrasings": len(data.train),
                "questions": len(questions),
                "first_question_ms": round(first_ms, 3),
                **latency_stats_ms(timings),
            }
            rows.append(_row(f"Router.ask, CLINC pack ({len(data.train):,} phrasings)", cl, TARGET_CLINC_MS))

        cold = out["cold_start"] = cold_start(etoile_db, 3 if quick else 10)
    table(
        ["in-process, warm", "questions", "timings", "median ms", "p99 ms", "mean ms", "1st q ms", "target", "met"],
        rows,
    )
    table(
        ["process wall time (database built)", "runs", "median s", "min s", "target", "met"],
        [
            [
                cold["command"],
                cold["runs"],
                f"{cold['median_s']:.3f}",
                f"{cold['min_s']:.3f}",
                f"<= {TARGET_COLD_S} s",
                verdict(cold["median_s"] <= TARGET_COLD_S),
            ]
        ],
    )
    out["targets"] = {
        "etoile_median_ms": TARGET_ETOILE_MS,
        "clinc_median_ms": TARGET_CLINC_MS,
        "cold_start_s": TARGET_COLD_S,
    }
    return out


def _row(label: str, r: Result, target_ms: float) -> list[object]:
    return [
        label,
        r["questions"],
        r["n"],
        f"{r['median_ms']:.3f}",
        f"{r['p99_ms']:.3f}",
        f"{r['mean_ms']:.3f}",
        f"{r['first_question_ms']:.1f}",
        f"<= {target_ms} ms",
        verdict(r["median_ms"] <= target_ms),
    ]
