"""`python -m bench [clinc|etoile|latency|scale|slack|all] [--quick] [--out FILE]`, run from the repo root."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from bench import clinc, etoile, latency, scale, slack_load
from bench.common import REPO, Result, code_fingerprint, environment, pin_to_one_core, write_json

BENCHMARKS: dict[str, Callable[[bool], Result]] = {
    "clinc": clinc.run,
    "etoile": etoile.run,
    "latency": latency.run,
    "scale": scale.run,
    "slack": slack_load.run,
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run showbot's benchmarks.")
    parser.add_argument("name", nargs="?", default="all", choices=[*BENCHMARKS, "all"], help="default: all")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--out", type=Path, help="results JSON (default: bench/results/<name>[-quick].json)")
    args = parser.parse_args()
    out = args.out or REPO / "bench" / "results" / f"{args.name}{'-quick' if args.quick else ''}.json"

    env = environment(pin_to_one_core())
    cpu = f" (cpu {env['pinned_cpu']})" if env["pinned_cpu"] is not None else ""
    print(
        f"showbot bench: Python {env['python']}, {env['cpu_model']}, {env['processes']}{cpu}, "
        f"bot/ code {env['bot_code_sha256']}{', --quick' if args.quick else ''}"
    )
    names = list(BENCHMARKS) if args.name == "all" else [args.name]
    results: Result = {"environment": env, "quick": args.quick, "benchmarks": {}}
    started = time.perf_counter()
    for name in names:
        t0 = time.perf_counter()
        code = code_fingerprint()  # others may edit bot/ while this runs: record what each benchmark saw
        results["benchmarks"][name] = {**BENCHMARKS[name](args.quick), "bot_code_sha256": code}
        results["benchmarks"][name]["seconds"] = round(time.perf_counter() - t0, 1)
        write_json(out, results)  # after each benchmark, so a later failure keeps the earlier numbers
    results["seconds"] = round(time.perf_counter() - started, 1)
    end_code = code_fingerprint()
    if end_code != env["bot_code_sha256"]:
        env["bot_code_sha256_end"] = end_code
        print(
            f"\nwarning: bot/ changed during the run ({env['bot_code_sha256']} -> {end_code}); rerun for clean numbers"
        )
    write_json(out, results)
    print(f"\nResults written to {out} ({results['seconds']:.0f} s)")


if __name__ == "__main__":
    main()
