"""Intent matching: which fact of a show's pack a normalised question asks for, and how sure we are.

A softmax (multinomial logistic regression) classifier over the pack's facts, on stemmed words, word
pairs and character n-grams. It is trained once per show at build time (`bot.train`, with numpy) and
stored as flat sparse lists. At question time each of the question's features adds one big integer
holding a fixed-point weight per intent (see `_block`): pure Python, no numpy import on the question
path, a handful of C-level additions per feature, and a cost that depends only on the show's own pack.

The confidence is the top softmax probability. Features the pack never saw still count in the
question's length, so unfamiliar wording dilutes the confidence: that is what makes "set an alarm"
fall below the pack's self-calibrated threshold.
"""

from __future__ import annotations

import base64
import heapq
import itertools
import math
import sys
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

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
# The word block (stems and stem pairs) weighs more than the character block once both have unit length:
# +0.5 point of CLINC150 val accuracy over one vector for all features, where the many n-grams drown words.
WORD_WEIGHT = 1.4
# Scoring arithmetic: weights are fixed-point integers (weight x idf x SCALE) packed one 64-bit field per
# intent into one Python integer; every field carries OFFSET so that sums of negative weights never borrow
# from the next field (2**31 features fit before a field could overflow).
SCALE = 1 << 20
FIELD_BITS = 64
OFFSET = 1 << 32
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


def features(words: Sequence[str], chars: bool = True) -> tuple[dict[str, int], dict[str, int]]:
    """Feature counts in two blocks: words ("w:" stems and "b:" stem pairs) and, if `chars`, character
    n-grams inside word boundaries. Each block is scaled to unit length on its own (see `WORD_WEIGHT`).
    (Counter counts in C: this runs for every question and every phrasing of every build.)"""
    stems = [stem(w) for w in words]
    counts = Counter(["w:" + s for s in stems])
    counts.update(["b:" + a + "_" + b for a, b in itertools.pairwise(stems)])
    if not chars:
        return counts, {}
    padded = [f" {w} " for w in words]
    lo, hi = CHAR_NGRAMS
    return counts, Counter([p[i : i + n] for p in padded for n in range(lo, hi + 1) for i in range(len(p) - n + 1)])


def word_ngrams(word: str) -> tuple[str, ...]:
    """One word's character n-grams in the order `features` counts them (training cuts each distinct
    word of a pack once: `bot.train.FeatureTable`)."""
    p = f" {word} "
    lo, hi = CHAR_NGRAMS
    return tuple(p[i : i + n] for n in range(lo, hi + 1) for i in range(len(p) - n + 1))


@dataclass(frozen=True)
class Ranking:
    """Intents by decreasing probability (at most a few) and the calibrated acceptance threshold."""

    intents: tuple[tuple[str, float], ...]
    threshold: float
    sharpness: float  # calibrated inverse temperature: compare probabilities as (p / q) ** sharpness


@dataclass
class SparseWeights:
    """The classifier's weights as flat arrays: feature j has inverse document frequency idf[j] and votes
    for intents cols[bounds[j]:bounds[j + 1]] with the fixed-point values (weight x idf x SCALE) at the
    same positions. The arrays are stored as base64 of their little-endian bytes: a pack is loaded on
    its first question (and again after the store evicts it), and decoding them is a memory copy where
    parsing the same numbers from JSON took most of a 10 ms load; they also take a quarter of the memory.
    """

    features: list[str]
    idf: array[float]  # 'f'
    bounds: array[int]  # 'i'
    cols: array[int]  # 'i'
    values: array[int]  # 'i'

    def to_json(self) -> dict[str, object]:
        return {"features": self.features, **{name: _encode(getattr(self, name)) for name in _ARRAYS}}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> SparseWeights:
        arrays = {name: _decode(code, str(data[name])) for name, code in _ARRAYS.items()}
        return cls(features=data["features"], **arrays)  # type: ignore[arg-type]


_ARRAYS = {"idf": "f", "bounds": "i", "cols": "i", "values": "i"}


def _encode(values: array[Any]) -> str:
    if sys.byteorder == "big":  # pragma: no cover - stored little-endian everywhere
        values = array(values.typecode, values)
        values.byteswap()
    return base64.b64encode(values.tobytes()).decode("ascii")


def _decode(typecode: str, text: str) -> array[Any]:
    values = array(typecode, base64.b64decode(text))
    if sys.byteorder == "big":  # pragma: no cover
        values.byteswap()
    return values


@dataclass
class IntentModel:
    intents: list[str]  # column -> intent (fact id or template id)
    bias: list[float]
    weights: SparseWeights
    threshold: float  # self-calibrated minimum confidence to answer
    vocabulary: list[str]  # words of the phrasings: targets of typo correction, never names
    other_words: list[str] = field(default_factory=list)  # further words the pack knows (answers, names)
    shared: dict[str, list[str]] = field(default_factory=dict)  # phrasing -> intents that all use it
    char_ngrams: bool = True  # False for very large packs (see bot.train)
    sharpness: float = 1.0  # see Ranking

    def __post_init__(self) -> None:
        self.phrasing_words = frozenset(self.vocabulary)
        # Typos are corrected towards phrasing words and their stems ("renw" -> "renew" of "renewed").
        self._stems = frozenset(stem(w) for w in self.vocabulary)
        # Not towards stopwords: "tall" is not a typo of "all", and a stopword carries no meaning to restore.
        self._typo_targets = sorted((self.phrasing_words | self._stems) - STOPWORDS)
        self._other = frozenset(self.other_words)
        self._unknown_idf = max(self.weights.idf, default=1.0)
        self._row = dict(zip(self.weights.features, range(len(self.weights.features)), strict=True))
        self._offsets = sum(OFFSET << (FIELD_BITS * c) for c in range(len(self.intents)))
        self._packed: dict[str, tuple[float, int]] = {}  # filled on first use: loading stays cheap

    def to_json(self) -> dict[str, object]:
        return {
            "intents": self.intents,
            "bias": self.bias,
            **self.weights.to_json(),
            "threshold": self.threshold,
            "vocabulary": self.vocabulary,
            "other_words": self.other_words,
            "shared": self.shared,
            "char_ngrams": self.char_ngrams,
            "sharpness": self.sharpness,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> IntentModel:
        return cls(
            intents=data["intents"],  # type: ignore[arg-type]
            bias=data["bias"],  # type: ignore[arg-type]
            weights=SparseWeights.from_json(data),
            threshold=float(data["threshold"]),  # type: ignore[arg-type]
            vocabulary=data["vocabulary"],  # type: ignore[arg-type]
            other_words=data["other_words"],  # type: ignore[arg-type]
            shared=data["shared"],  # type: ignore[arg-type]
            char_ngrams=bool(data["char_ngrams"]),
            sharpness=float(data["sharpness"]),  # type: ignore[arg-type]
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
        word_feats, char_feats = features(words, self.char_ngrams)
        word_fields, word_scale = self._block(word_feats, WORD_WEIGHT)
        char_fields, char_scale = self._block(char_feats, 1.0)
        scores = [
            b + w * word_scale + c * char_scale for b, w, c in zip(self.bias, word_fields, char_fields, strict=True)
        ]
        if not scores:  # an FAQ sheet whose phrasings were only the show's name: nothing to rank
            return Ranking((), self.threshold, self.sharpness)
        top = max(scores)
        total = sum(math.exp(s - top) for s in scores)
        best = heapq.nlargest(limit, range(len(scores)), key=scores.__getitem__)
        return Ranking(
            tuple((self.intents[c], math.exp(scores[c] - top) / total) for c in best), self.threshold, self.sharpness
        )

    def _block(self, counts: dict[str, int], weight: float) -> tuple[list[int], float]:
        """One feature block's dot products with every intent's weights, and the factor that turns them
        into score contributions (the block's tf-idf vector has unit length, times `weight`).

        Each feature's weights are one big integer holding a 64-bit field per intent, so adding a
        feature is a single C-level integer addition, whatever the number of intents. Features the
        pack never saw still count in the length: unfamiliar wording dilutes the confidence.
        """
        total = 0
        added = 0
        norm2 = 0.0
        for feature, tf in counts.items():
            hit = self._packed.get(feature) or self._pack(feature)
            if hit is None:
                norm2 += (tf * self._unknown_idf) ** 2
                continue
            idf, packed = hit
            norm2 += (tf * idf) ** 2
            total += packed if tf == 1 else packed * tf
            added += tf
        n = len(self.intents)
        fields = array("Q", total.to_bytes(8 * n, "little")) if added else array("Q", bytes(8 * n))
        offset = added * OFFSET
        scale = weight / (SCALE * math.sqrt(norm2)) if norm2 else 0.0
        return [f - offset for f in fields], scale

    def _pack(self, feature: str) -> tuple[float, int] | None:
        j = self._row.get(feature)
        if j is None:
            return None
        w = self.weights
        lo, hi = w.bounds[j], w.bounds[j + 1]
        packed = self._offsets
        for c, q in zip(w.cols[lo:hi], w.values[lo:hi], strict=True):
            packed += q << (FIELD_BITS * c)
        self._packed[feature] = (w.idf[j], packed)
        return w.idf[j], packed
