"""Question sets that must pass 100% against the bundled pack: the shared dev set
(../shared/eval/etoile_dev.jsonl) and each pack's own regression questions (knowledge/<slug>/questions.jsonl)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evaluate import read_cases, run
from bot.models import AskContext
from bot.router import Router
from bot.settings import BUNDLED_KNOWLEDGE

DEV_EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "etoile_dev.jsonl"


PACK_QUESTIONS = sorted(BUNDLED_KNOWLEDGE.glob("*/questions.jsonl"))


@pytest.mark.skipif(not DEV_EVAL.exists(), reason=f"{DEV_EVAL} not present (the shared folder is optional)")
def test_dev_eval_passes_every_question(etoile_router: Router) -> None:
    assert_all_pass(etoile_router, DEV_EVAL)


@pytest.mark.parametrize("questions", PACK_QUESTIONS, ids=lambda p: p.parent.name)
def test_pack_regression_questions_pass(etoile_router: Router, questions: Path) -> None:
    assert_all_pass(etoile_router, questions)


def assert_all_pass(router: Router, path: Path) -> None:
    cases = read_cases(path)
    assert cases, "the dev eval file holds no questions"
    results = run(router, cases, AskContext())
    failures = [r for r in results if not r.passed]
    report = "\n".join(
        f"  line {r.case.line}: {r.case.question!r} -> {r.answer.status}: {'; '.join(r.problems)}"
        f"\n      answer: {r.answer.text[:120]!r} suggestions: {list(r.answer.suggestions)}"
        for r in failures
    )
    passed = len(results) - len(failures)
    assert not failures, f"{path.name} passed {passed}/{len(results)}; failures:\n{report}"
