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

import hashlib
import heapq
import itertools
import json
import math
import sys
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
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
# The classifier's best few intents are checked against their nearest phrasing (rapidfuzz ratio): each
# intent's probability is multiplied by exp(RERANK_WEIGHT * (its similarity - the best one's)), so a close
# wording the bag of features missed can win, and no probability ever grows (silence stays as likely).
# (CLINC150 val: wrong answers 6.6% -> 6.0% and oos recall 78% -> 79% at the same accuracy, Étoile unchanged.)
RERANK = 5
RERANK_WEIGHT = 5.0
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
# A stored row voting for at least this share of a pack's intents is kept as its packed integer's bytes
# (8 per intent), a sparser one as (intent, value) pairs: see `SparseWeights`.
DENSE_SHARE = 0.5
MAX_MISSING = 1 << 12  # features a model remembers it does not know
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


@lru_cache(maxsize=1 << 16)
def feature_key(feature: str) -> int:
    """The feature's stable 64-bit key: a stored model finds its rows by these keys, not by feature strings,
    so loading a pack builds no dict of thousands of strings. The same in every process, unlike `hash`;
    cached, because questions repeat the same n-grams across every show they ask about."""
    return int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")


@dataclass
class SparseWeights:
    """The classifier's weights, one row per feature the pack knows, sorted by `feature_key`.

    Row j holds the feature's inverse document frequency idf[j] and what `IntentModel.rank` adds for it:
    a packed integer with one 64-bit field per intent holding OFFSET + the fixed-point value (weight x
    idf x SCALE). A row voting for at least `DENSE_SHARE` of the intents (slots[j] >= 0) is stored as
    that integer's bytes, so its first use is one `int.from_bytes`; a sparser row (slots[j] = ~k) stores
    the intents it votes for, cols[bounds[k]:bounds[k + 1]], and the values at the same positions.

    Everything is flat little-endian arrays, stored as SQLite BLOBs: loading a pack copies memory and
    decodes nothing (a pack is loaded on its first question, and again after the store evicts it).
    """

    intents: int
    keys: array[int]  # 'Q', ascending
    idf: array[float]  # 'f'
    slots: array[int]  # 'i'
    dense: bytes
    bounds: array[int]  # 'i'
    cols: array[int]  # 'H', or 'i' beyond 65,536 intents
    values: array[int]  # 'i'

    def find(self, feature: str) -> int:
        """The feature's row, or -1 if the pack never saw it."""
        key = feature_key(feature)
        j = bisect_left(self.keys, key)
        return j if j < len(self.keys) and self.keys[j] == key else -1

    def packed(self, j: int, offsets: int) -> int:
        """Row j as one integer: `offsets` (OFFSET in every field) plus each value in its intent's field."""
        slot = self.slots[j]
        if slot >= 0:
            size = 8 * self.intents
            return int.from_bytes(self.dense[slot * size : (slot + 1) * size], "little")
        lo, hi = self.bounds[~slot], self.bounds[~slot + 1]
        packed = offsets
        for c, q in zip(self.cols[lo:hi], self.values[lo:hi], strict=True):
            packed += q << (FIELD_BITS * c)
        return packed

    def row(self, feature: str) -> tuple[float, dict[int, int]] | None:
        """The feature's idf and its nonzero fixed-point values by intent column (for tests and inspection)."""
        j = self.find(feature)
        if j < 0:
            return None
        fields = array("Q", self.packed(j, offsets(self.intents)).to_bytes(8 * self.intents, "little"))
        if sys.byteorder == "big":  # pragma: no cover
            fields.byteswap()
        return self.idf[j], {c: v - OFFSET for c, v in enumerate(fields) if v != OFFSET}

    def blobs(self) -> tuple[bytes, ...]:
        """The arrays' little-endian bytes, in `BLOB_COLUMNS` order."""
        return tuple(_bytes(getattr(self, name)) for name in BLOB_COLUMNS)

    @classmethod
    def from_blobs(cls, intents: int, blobs: Sequence[bytes]) -> SparseWeights:
        named = dict(zip(BLOB_COLUMNS, blobs, strict=True))
        return cls(
            intents=intents,
            dense=named["dense"],
            **{name: _array(_typecode(name, intents), named[name]) for name in BLOB_COLUMNS if name != "dense"},
        )


def offsets(intents: int) -> int:
    """OFFSET in each of `intents` 64-bit fields: what a row of no votes packs to."""
    return int.from_bytes(OFFSET.to_bytes(8, "little") * intents, "little")


BLOB_COLUMNS = ("keys", "idf", "slots", "dense", "bounds", "cols", "values")
TEXT_COLUMNS = ("vocabulary", "stems", "other_words", "examples")
MODEL_COLUMNS = ("model", *TEXT_COLUMNS, *BLOB_COLUMNS)  # `IntentModel.to_row`: JSON, texts, arrays
_TYPECODES = {"keys": "Q", "idf": "f", "slots": "i", "bounds": "i", "values": "i"}


def _typecode(name: str, intents: int) -> str:
    if name == "cols":
        return "H" if intents <= 1 << 16 else "i"
    return _TYPECODES[name]


def _bytes(values: array[Any] | bytes) -> bytes:
    if isinstance(values, bytes):
        return values
    if sys.byteorder == "big":  # pragma: no cover - stored little-endian everywhere
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def _array(typecode: str, data: bytes) -> array[Any]:
    values = array(typecode, data)
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
    # Derived from the fields above, stored so that loading a pack does not derive them again (stemming
    # the vocabulary took a fifth of a load): None computes them.
    stems: list[str] | None = None  # the vocabulary's stems
    unknown_idf: float | None = None  # what a feature the pack never saw weighs in a question's length
    # Each intent's phrasings as trained (normalised, names as slots): examples[bounds[c]:bounds[c + 1]],
    # stored as one string of lines, split on the first question that needs them (see RERANK).
    example_text: str = ""
    example_bounds: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.stems is None:
            self.stems = sorted({stem(w) for w in self.vocabulary})
        if self.unknown_idf is None:
            self.unknown_idf = max(self.weights.idf, default=1.0)
        self.phrasing_words = frozenset(self.vocabulary)
        # Typos are corrected towards phrasing words and their stems ("renw" -> "renew" of "renewed").
        self._stems = frozenset(self.stems)
        self._other = frozenset(self.other_words)
        self._offsets = offsets(len(self.intents))
        self._packed: dict[str, tuple[float, int]] = {}  # filled on first use: loading stays cheap
        self._missing: set[str] = set()  # features looked up and not found (bounded: see _pack)

    @cached_property
    def _examples(self) -> list[str]:
        return _words(self.example_text)

    @cached_property
    def _typo_targets(self) -> list[str]:
        """Only needed for a question with an unknown word, so not computed on load."""
        # Not towards stopwords: "tall" is not a typo of "all", and a stopword carries no meaning to restore.
        return sorted((self.phrasing_words | self._stems) - STOPWORDS)

    def to_row(self) -> tuple[object, ...]:
        """The stored form (see `MODEL_COLUMNS`): the small fields as JSON, the word lists as plain text
        (one word or phrasing per line: in JSON, decoding every line break took a third of a pack's load),
        then `SparseWeights.blobs`."""
        data = {
            "intents": self.intents,
            "bias": self.bias,
            "threshold": self.threshold,
            "shared": self.shared,
            "char_ngrams": self.char_ngrams,
            "sharpness": self.sharpness,
            "unknown_idf": self.unknown_idf,
            "example_bounds": self.example_bounds,
        }
        words = ("\n".join(self.vocabulary), "\n".join(self.stems or ()), "\n".join(self.other_words))
        return (json.dumps(data, separators=(",", ":")), *words, self.example_text, *self.weights.blobs())

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> IntentModel:
        data = json.loads(row[0])
        vocabulary, stems, other_words, example_text = row[1:5]
        return cls(
            intents=data["intents"],
            bias=data["bias"],
            weights=SparseWeights.from_blobs(len(data["intents"]), row[5:]),
            threshold=float(data["threshold"]),
            vocabulary=_words(vocabulary),
            other_words=_words(other_words),
            shared=data["shared"],
            char_ngrams=bool(data["char_ngrams"]),
            sharpness=float(data["sharpness"]),
            stems=_words(stems),
            unknown_idf=float(data["unknown_idf"]),
            example_text=example_text,
            example_bounds=data["example_bounds"],
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
        best = heapq.nlargest(max(limit, RERANK), range(len(scores)), key=scores.__getitem__)
        probabilities = {c: math.exp(scores[c] - top) / total for c in best}
        if self.example_bounds:
            text = " ".join(words)
            similar = {c: self._similarity(text, c) for c in best[:RERANK]}
            nearest = max(similar.values())
            for c, sim in similar.items():
                probabilities[c] *= math.exp(RERANK_WEIGHT * (sim - nearest))
            best = sorted(similar, key=lambda c: -probabilities[c])
        return Ranking(tuple((self.intents[c], probabilities[c]) for c in best[:limit]), self.threshold, self.sharpness)

    def _similarity(self, text: str, column: int) -> float:
        """How close the question is to the intent's nearest phrasing, 0..1."""
        examples = self._examples[self.example_bounds[column] : self.example_bounds[column + 1]]
        hit = process.extractOne(text, examples, scorer=fuzz.ratio) if examples else None
        return hit[1] / 100 if hit else 0.0

    def _block(self, counts: dict[str, int], weight: float) -> tuple[list[int], float]:
        """One feature block's dot products with every intent's weights, and the factor that turns them
        into score contributions (the block's tf-idf vector has unit length, times `weight`).

        Each feature's weights are one big integer holding a 64-bit field per intent, so adding a
        feature is a single C-level integer addition, whatever the number of intents. Features the
        pack never saw still count in the length: unfamiliar wording dilutes the confidence.
        """
        unknown_idf = self.unknown_idf or 0.0
        total = 0
        added = 0
        norm2 = 0.0
        for feature, tf in counts.items():
            hit = self._packed.get(feature) or self._pack(feature)
            if hit is None:
                norm2 += (tf * unknown_idf) ** 2
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
        if feature in self._missing:
            return None
        w = self.weights
        j = w.find(feature)
        if j < 0:
            if len(self._missing) >= MAX_MISSING:  # unknown words are unbounded: forget them now and then
                self._missing.clear()
            self._missing.add(feature)
            return None
        hit = self._packed[feature] = (w.idf[j], w.packed(j, self._offsets))
        return hit


def _words(text: str) -> list[str]:
    return text.split("\n") if text else []
