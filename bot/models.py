"""The value types every part of showbot passes around.

They are frozen so an `Answer` can be cached, logged and handed to any adapter without one of them
mutating what another sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["answered", "clarify", "unknown"]
Platform = Literal["console", "discord", "slack"]


@dataclass(frozen=True)
class Source:
    title: str
    url: str | None
    outlet: str
    published: str | None  # ISO date, or None when the article does not state one


@dataclass(frozen=True)
class AskContext:
    """Where a question comes from: adapters fill this in from the platform event."""

    platform: Platform = "console"
    default_show: str | None = None  # the channel's show slug, if a moderator set one
    addressed: bool = True  # mentioned / slash command / DM, as opposed to overheard in a channel


@dataclass(frozen=True)
class Answer:
    status: Status
    text: str
    show: str | None = None  # slug of the show the answer is about
    show_title: str | None = None
    sources: tuple[Source, ...] = ()
    as_of: str | None = None  # ISO date the answer was true / reported
    confidence: float = 0.0
    spoiler: bool = False
    suggestions: tuple[str, ...] = ()  # "did you mean" questions, for status "clarify"
    fact_id: str | None = None

    @property
    def cited(self) -> bool:
        """Whether it is shown with its sources and date: an answer, or a decline that says why (a pack's
        fact telling what no source reports)."""
        return self.status == "answered" or bool(self.sources)

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of `showbot ask --json` (a stable, documented contract)."""
        return {
            "status": self.status,
            "show": self.show,
            "answer": self.text,
            "sources": [
                {"title": s.title, "url": s.url, "outlet": s.outlet, "published": s.published} for s in self.sources
            ],
            "as_of": self.as_of,
            "confidence": round(self.confidence, 3),
            "spoiler": self.spoiler,
            "suggestions": list(self.suggestions),
            "fact_id": self.fact_id,
        }
