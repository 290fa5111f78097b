"""The Étoile dev eval (../shared/eval/etoile_dev.jsonl) through `showbot eval`, on a freshly built database."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from bench.common import ETOILE_EVAL, Result, heading, pct, run_showbot, table, verdict

PASSED_RE = re.compile(r"^passed (\d+)/(\d+)", re.MULTILINE)


def build_etoile(db: Path) -> float:
    """Build the bundled knowledge into `db` with the public API; returns the build time in seconds."""
    from bot.build import build
    from bot.settings import BUNDLED_KNOWLEDGE

    return build(BUNDLED_KNOWLEDGE, db).seconds


def run(quick: bool = False) -> Result:
    heading("Étoile dev eval")
    if not ETOILE_EVAL.is_file():
        print(f"skipped: {ETOILE_EVAL} not found")
        return {"skipped": f"{ETOILE_EVAL} not found"}
    with tempfile.TemporaryDirectory(prefix="bench-etoile-") as tmp:
        db = Path(tmp) / "etoile.db"
        build_s = build_etoile(db)
        proc = run_showbot(["eval", str(ETOILE_EVAL), "--db", str(db), "--min", "0"], cwd=Path(tmp))
    match = PASSED_RE.search(proc.stdout)
    if match is None:
        raise RuntimeError(
            f"no 'passed N/M' line from showbot eval (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}"
        )
    passed, total = int(match.group(1)), int(match.group(2))
    failures = proc.stdout[: match.start()].rstrip("\n")
    if failures:
        print("Failures printed by `showbot eval`:")
        print(failures)
    rate = passed / total if total else 0.0
    table(
        ["eval file", "passed", "pass rate", "target", "met"],
        [[ETOILE_EVAL.name, f"{passed}/{total}", pct(rate), "100%", verdict(passed == total)]],
    )
    return {
        "file": str(ETOILE_EVAL),
        "passed": passed,
        "total": total,
        "pass_rate": rate,
        "build_seconds": round(build_s, 3),
        "failures_output": failures,
        "exit_code": proc.returncode,
        "target_met": passed == total,
    }
