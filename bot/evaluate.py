"""Scoring a question file (JSON lines) against the router: the pack curator's regression test.

Each line: {"q": ..., "status": "answered"|"unknown"|"any", "all": [[alternatives], ...],
"none": [...], "spoiler": true}. Text is compared case- and accent-insensitively against the
plain rendering of the answer (text, as-of line and sources).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.models import Answer, AskContext
from bot.render import render_plain
from bot.router import Router
from bot.text import fold


class EvalFileError(ValueError):
    pass


@dataclass(frozen=True)
class Case:
    line: int
    question: str
    status: str
    all_of: tuple[tuple[str, ...], ...]
    none_of: tuple[str, ...]
    spoiler: bool | None


@dataclass(frozen=True)
class Result:
    case: Case
    answer: Answer
    problems: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.problems


def read_cases(path: Path) -> list[Case]:
    cases = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalFileError(f"{path}: cannot read ({exc})") from None
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise EvalFileError(f"{path}:{n}: not valid JSON ({exc.msg})") from None
        if not isinstance(item, dict) or not isinstance(item.get("q"), str):
            raise EvalFileError(f"{path}:{n}: each line needs a string field 'q'")
        status = item.get("status", "any")
        if status not in ("answered", "unknown", "clarify", "any"):
            raise EvalFileError(f"{path}:{n}: status must be answered, unknown, clarify or any, got {status!r}")
        groups = item.get("all", [])
        if not isinstance(groups, list) or not all(
            isinstance(g, list) and all(isinstance(x, str) for x in g) for g in groups
        ):
            raise EvalFileError(f"{path}:{n}: 'all' must be a list of lists of strings")
        none = item.get("none", [])
        if not isinstance(none, list) or not all(isinstance(x, str) for x in none):
            raise EvalFileError(f"{path}:{n}: 'none' must be a list of strings")
        spoiler = item.get("spoiler")
        cases.append(Case(n, item["q"], status, tuple(tuple(g) for g in groups), tuple(none), spoiler))
    return cases


def check(case: Case, answer: Answer) -> tuple[str, ...]:
    problems = []
    if case.status != "any" and answer.status != case.status:
        problems.append(f"status {answer.status}, expected {case.status}")
    text = fold(render_plain(answer))
    for group in case.all_of:
        if not any(fold(alt) in text for alt in group):
            problems.append(f"missing one of {list(group)}")
    for bad in case.none_of:
        if fold(bad) in text:
            problems.append(f"contains {bad!r}")
    if case.spoiler is not None and answer.spoiler != case.spoiler:
        problems.append("not marked as a spoiler" if case.spoiler else "wrongly marked as a spoiler")
    return tuple(problems)


def run(router: Router, cases: Iterable[Case], context: AskContext) -> list[Result]:
    results = []
    for case in cases:
        answer = router.ask(case.question, context)
        results.append(Result(case, answer, check(case, answer)))
    return results
