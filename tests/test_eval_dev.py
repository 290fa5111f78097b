"""The curated dev question set (../shared/eval/etoile_dev.jsonl) must pass 100% against the bundled pack."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evaluate import read_cases, run
from bot.models import AskContext
from bot.router import Router

DEV_EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "etoile_dev.jsonl"


@pytest.mark.skipif(not DEV_EVAL.exists(), reason=f"{DEV_EVAL} not present (the shared folder is optional)")
def test_dev_eval_passes_every_question(etoile_router: Router) -> None:
    cases = read_cases(DEV_EVAL)
    assert cases, "the dev eval file holds no questions"
    results = run(etoile_router, cases, AskContext())
    failures = [r for r in results if not r.passed]
    report = "\n".join(
        f"  line {r.case.line}: {r.case.question!r} -> {r.answer.status}: {'; '.join(r.problems)}"
        f"\n      answer: {r.answer.text[:120]!r} suggestions: {list(r.answer.suggestions)}"
        for r in failures
    )
    passed = len(results) - len(failures)
    assert not failures, f"dev eval passed {passed}/{len(results)}; failures:\n{report}"
