"""Plain-text rendering of an `Answer`, for the console (adapters render for their own platforms)."""

from __future__ import annotations

from bot.models import Answer, Source
from bot.text import human_date


def source_line(source: Source) -> str:
    when = f", {human_date(source.published)}" if source.published else ""
    link = f" <{source.url}>" if source.url else ""
    return f"{source.outlet}: {source.title}{when}{link}"


def render_plain(answer: Answer) -> str:
    if answer.status == "clarify":
        return "\n".join([answer.text, *(f"  - {s}" for s in answer.suggestions)])
    if not answer.cited:
        return answer.text
    lines = []
    if answer.spoiler:
        lines.append("[SPOILER WARNING: the answer below reveals plot details]")
    lines.append(answer.text)
    if answer.as_of:
        lines.append(f"As of {human_date(answer.as_of)}.")
    if answer.sources:
        lines.append("Sources:")
        lines += [f"  - {source_line(s)}" for s in answer.sources]
    return "\n".join(lines)
