"""Intent matching: which fact of a show's pack a normalised question asks for, and how sure we are.

A softmax (multinomial logistic regression) classifier over the pack's facts, on stemmed words, word
pairs and character n-grams. It is trained once per show at build time (`bot.train`, with numpy) and
stored as sparse rows, so answering a question is a pure-Python dictionary walk over the question's
features: no numpy import on the question path, and the cost depends only on the show's own pack.

The confidence is the top softmax probability. Features the pack never saw still count in the
question's length, so unfamiliar wording dilutes the confidence: that is what makes "set an alarm"
fall below the pack's self-calibrated threshold.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

STOPWORDS = frozenset(
    "a an the is are was were be been do does did of to in on for at by it its this that there their they "
    "i me my you your we our he she his her and or so any some what which who whom how when where why "
    "can could would should will shall may might please am have has had about with from as just "
    "each every per all both few more most other such only own same than then too very also into over "
    "under again once here not no nor off out up down if because until while during before after".split()
)

TYPO_CUTOFF = 84  # rapidfuzz ratio for an unknown word to count as a typo of a pack word
CHAR_NGRAMS = (2, 4)  # character n-gram sizes inside word boundaries: typos and morphology
_SUFFIXES = (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("ly", ""), ("es", ""), ("s", ""))


def stem(word: str) -> str:
    """A crude suffix stripper: "renewed"/"renew", "episodes"/"episode" should meet."""
    if len(word) <= 3:
        return word
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith("ss"):
                return word
            return word[: -len(suffix)] + replacement
    return word


def features(words: Sequence[str], chars: bool = True) -> dict[str, int]:
    """Feature counts: "w:" stemmed words, "b:" stemmed word pairs, and (if `chars`) character n-grams."""
    stems = [stem(w) for w in words]
    counts: dict[str, int] = {}
    for key in itertools.chain(("w:" + s for s in stems), ("b:" + a + "_" + b for a, b in itertools.pairwise(stems))):
        counts[key] = counts.get(key, 0) + 1
    if not chars:
        return counts
    lo, hi = CHAR_NGRAMS
    for w in words:
        padded = f" {w} "
        for n in range(lo, hi + 1):
            for i in range(len(padded) - n + 1):
                key = padded[i : i + n]
                counts[key] = counts.get(key, 0) + 1
    return counts


@dataclass(frozen=True)
class Ranking:
    """Intents by decreasing probability (at most a few) and the calibrated acceptance threshold."""

    intents: tuple[tuple[str, float], ...]
    threshold: float


@dataclass
class IntentModel:
    intents: list[str]  # column -> intent (fact id or template id)
    bias: list[float]
    rows: dict[str, tuple[float, list[tuple[int, float]]]]  # feature -> (idf, [(column, weight), ...])
    threshold: float  # self-calibrated minimum confidence to answer
    vocabulary: list[str]  # words of the phrasings: targets of typo correction, never names
    other_words: list[str] = field(default_factory=list)  # further words the pack knows (answers, names)
    shared: dict[str, list[str]] = field(default_factory=dict)  # phrasing -> intents that all use it
    char_ngrams: bool = True  # False for very large packs (see bot.train)

    def __post_init__(self) -> None:
        self.phrasing_words = frozenset(self.vocabulary)
        # Typos are corrected towards phrasing words and their stems ("renw" -> "renew" of "renewed").
        self._stems = frozenset(stem(w) for w in self.vocabulary)
        self._typo_targets = sorted(self.phrasing_words | self._stems)
        self._other = frozenset(self.other_words)
        self._unknown_idf = max((r[0] for r in self.rows.values()), default=1.0)

    def to_json(self) -> dict[str, object]:
        return {
            "intents": self.intents,
            "bias": self.bias,
            "rows": self.rows,
            "threshold": self.threshold,
            "vocabulary": self.vocabulary,
            "other_words": self.other_words,
            "shared": self.shared,
            "char_ngrams": self.char_ngrams,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> IntentModel:
        return cls(
            intents=data["intents"],  # type: ignore[arg-type]
            bias=data["bias"],  # type: ignore[arg-type]
            rows=data["rows"],  # type: ignore[arg-type]
            threshold=float(data["threshold"]),  # type: ignore[arg-type]
            vocabulary=data["vocabulary"],  # type: ignore[arg-type]
            other_words=data["other_words"],  # type: ignore[arg-type]
            shared=data["shared"],  # type: ignore[arg-type]
            char_ngrams=bool(data["char_ngrams"]),
        )

    def familiar(self, word: str) -> bool:
        """Whether the pack's phrasings use this word, or another form of it ("renew" / "renewed")."""
        return word in self.phrasing_words or stem(word) in self._stems

    def knows(self, word: str) -> bool:
        return word in self.phrasing_words or word in self._other

    def correct(self, words: Iterable[str]) -> list[str]:
        """Replace unknown words by the closest phrasing word ("renwed" -> "renewed")."""
        out = []
        for w in words:
            if len(w) >= 4 and not w.isdigit() and not self.familiar(w) and w not in self._other:
                hit = process.extractOne(w, self._typo_targets, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF)
                if hit:
                    w = hit[0]
            out.append(w)
        return out

    def rank(self, words: Sequence[str], limit: int = 4) -> Ranking:
        """The most probable intents for already-corrected question words."""
        scores = list(self.bias)
        known: list[tuple[float, list[tuple[int, float]]]] = []
        norm2 = 0.0
        for feature, tf in features(words, self.char_ngrams).items():
            row = self.rows.get(feature)
            x = (1.0 + math.log(tf)) * (row[0] if row else self._unknown_idf)
            norm2 += x * x
            if row:
                known.append((x, row[1]))
        norm = math.sqrt(norm2) or 1.0
        for x, pairs in known:
            x /= norm
            for c, w in pairs:
                scores[c] += x * w
        top = max(scores)
        total = sum(math.exp(s - top) for s in scores)
        best = heapq.nlargest(limit, range(len(scores)), key=scores.__getitem__)
        return Ranking(tuple((self.intents[c], math.exp(scores[c] - top) / total) for c in best), self.threshold)
