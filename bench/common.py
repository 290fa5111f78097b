"""Shared helpers: paths, running the real `showbot` CLI, timing statistics, tables, environment info."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CLINC_FILE = SHARED / "benchmarks" / "clinc150" / "clinc150_small_dev.json"
ETOILE_EVAL = SHARED / "eval" / "etoile_dev.jsonl"

Result = dict[str, Any]


def showbot_command() -> list[str]:
    """The installed `showbot` console script beside this interpreter (else on PATH, else `python -m bot`)."""
    beside = Path(sys.executable).parent / "showbot"
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("showbot")
    return [found] if found else [sys.executable, "-m", "bot"]


def clean_env() -> dict[str, str]:
    """The environment minus every SHOWBOT_* variable, so the CLI runs with its shipped defaults."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SHOWBOT_")}


def run_showbot(args: Sequence[str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `showbot ARGS` as a subprocess, in `cwd` (a temp dir, so no stray .env is read)."""
    return subprocess.run(
        [*showbot_command(), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=clean_env(),
        check=False,
    )


def require_ok(proc: subprocess.CompletedProcess[str], what: str) -> None:
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {proc.returncode}):\n{proc.stderr.strip() or proc.stdout.strip()}")


# ---------------------------------------------------------------- statistics


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of unsorted values."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return float(ordered[rank - 1])


def latency_stats_ms(ns: Sequence[int]) -> dict[str, float]:
    """Median, p99, mean and max of nanosecond timings, in milliseconds."""
    ms = [t / 1e6 for t in ns]
    return {
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 4),
        "p99_ms": round(percentile(ms, 99), 4),
        "mean_ms": round(statistics.fmean(ms), 4),
        "max_ms": round(max(ms), 4),
    }


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def verdict(ok: bool) -> str:
    return "yes" if ok else "NO"


# ---------------------------------------------------------------- output


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], title: str | None = None) -> None:
    """Print an aligned table: the first column left-aligned, the others right-aligned."""
    cells = [[str(c) for c in headers], *[[str(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(r: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))

    if title:
        print(f"\n{title}")
    print(line(cells[0]))
    print("  ".join("-" * w for w in widths))
    for r in cells[1:]:
        print(line(r))


def heading(text: str) -> None:
    print(f"\n=== {text} " + "=" * max(0, 72 - len(text)))


# ---------------------------------------------------------------- environment


def cpu_model() -> str:
    try:
        for raw in Path("/proc/cpuinfo").read_text().splitlines():
            if raw.startswith("model name"):
                return raw.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def pin_to_one_core() -> int | None:
    """Pin this process (and the subprocesses it starts) to one CPU; returns it, or None if unsupported."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


@contextmanager
def all_cores() -> Iterator[int]:
    """Lift the one-core pin for the duration of the block (a build uses every core); yields the count."""
    if not hasattr(os, "sched_setaffinity"):
        yield os.cpu_count() or 1
        return
    pinned = os.sched_getaffinity(0)
    os.sched_setaffinity(0, range(os.cpu_count() or 1))
    try:
        yield len(os.sched_getaffinity(0))
    finally:
        os.sched_setaffinity(0, pinned)


def code_fingerprint() -> str:
    """SHA-256 (first 12 hex digits) of bot/*.py: identifies the router code that was measured."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "bot").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def environment(pinned_cpu: int | None) -> Result:
    import rapidfuzz

    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu_model": cpu_model(),
        "cpus_online": os.cpu_count(),
        "pinned_cpu": pinned_cpu,
        "processes": "one process, one core" if pinned_cpu is not None else "one process (not pinned)",
        "sqlite": sqlite3.sqlite_version,
        "rapidfuzz": rapidfuzz.__version__,
        "showbot_command": " ".join(showbot_command()),
        "bot_code_sha256": code_fingerprint(),
    }


def write_json(path: Path, data: Result) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
