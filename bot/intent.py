"""Intent matching: which fact of a show's pack a normalised question asks for, and how sure we are.

A softmax (multinomial logistic regression) classifier over the pack's facts, on stemmed words, word
pairs and character n-grams. It is trained once per show at build time (`bot.train`) and stored as flat
sparse arrays that numpy reads in place: a question looks up all its features and adds up their weights
in a dozen array operations, whether the pack was loaded a minute ago or just now, and the cost depends
only on the show's own pack.

The confidence is the top softmax probability. Features the pack never saw still count in the
question's length, so unfamiliar wording dilutes the confidence: that is what makes "set an alarm"
fall below the pack's self-calibrated threshold.
"""

from __future__ import annotations

import array
import bisect
import hashlib
import itertools
import json
import math
import sys
from collections import (  # type: ignore[attr-defined]  # `_count_elements`: Counter's C counting loop
    Counter,
    _count_elements,
)
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, cast

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from bot.memo import Remembered

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
# A pack stores its weights as a features x intents matrix up to this many entries (a byte each), and
# only the nonzero ones beyond (a huge imported FAQ sheet): see `PackWeights`.
DENSE_ENTRIES = 1 << 22
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
    This is the definition, kept plain: training (`bot.train.FeatureTable`) and questions
    (`question_features`) compute the same faster, and the tests hold them to it."""
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


def feature_key(feature: str) -> int:
    """The feature's stable 64-bit key: a stored model finds its rows by these keys, not by feature strings,
    so loading a pack builds no dict of thousands of strings. The same in every process, unlike `hash`."""
    return int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")


FEATURE_KEYS = Remembered(feature_key, 1 << 16)
STEMS = Remembered(stem, 1 << 13)
# A word's character n-gram keys in `word_ngrams` order (the ints are FEATURE_KEYS' own: ~0.2 KB a word).
GRAM_KEYS = Remembered(lambda word: tuple(map(FEATURE_KEYS.__getitem__, word_ngrams(word))), 1 << 13)


def question_features(
    words: Sequence[str], chars: bool = True
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.float64], int]:
    """A question's `features` as keys and counts, word features first, and how many are word features:
    each word's stem and n-gram keys are remembered, so a question cuts and hashes only words it is the
    first to use (a third of ranking a question). Counted by `Counter`'s own C loop into a plain dict:
    constructing a `Counter` costs an abc isinstance check and more than the counting."""
    stems = list(map(STEMS.__getitem__, words))
    word_features = ["w:" + s for s in stems]
    word_features += ["b:" + a + "_" + b for a, b in itertools.pairwise(stems)]
    # Counted by key in one dict, words first: a pack's features have distinct keys (`bot.train` checks).
    counts: dict[int, int] = {}
    _count_elements(counts, map(FEATURE_KEYS.__getitem__, word_features))
    n_word = len(counts)
    if chars:
        _count_elements(counts, itertools.chain.from_iterable(map(GRAM_KEYS.__getitem__, words)))
    keys = np.fromiter(counts, np.uint64, len(counts))
    tf = np.fromiter(counts.values(), np.float64, len(counts))
    return keys, tf, n_word


def column_type(intents: int) -> type[np.unsignedinteger[Any]] | type[np.int32]:
    """The narrowest integer type for intent columns: most packs have fewer than 256 intents."""
    return np.uint8 if intents <= 1 << 8 else np.uint16 if intents <= 1 << 16 else np.int32


@dataclass
class PackWeights:
    """The classifier's weights, one row per feature the pack knows, sorted by `feature_key`.

    Row j holds the feature's inverse document frequency idf[j] and its weight for each intent, with
    the idf folded in, as 8-bit integers in steps of unit[j] (weight x idf / unit[j]: each feature's
    largest vote is 127 steps, `bot.train.VALUE_MAX`). A pack of up to `DENSE_ENTRIES` weights
    (every pack but a huge imported FAQ sheet) stores its rows as a matrix, values[j * intents + c];
    a bigger one stores only the intents a row votes for, cols[bounds[j]:bounds[j + 1]], and their
    values at the same positions (`bounds` is empty in the matrix form).

    Every array is a read-only numpy view of the bytes the fact base returns: loading a pack decodes
    nothing and builds no per-feature object, and a question costs the same on a pack's first question
    as on its thousandth (see `scores`), so packs can be dropped from memory and loaded again cheaply.
    """

    intents: int
    keys: npt.NDArray[np.uint64]  # ascending
    idf: npt.NDArray[np.float32]
    unit: npt.NDArray[np.float32]  # values of row j are weight x idf / unit[j]
    bounds: npt.NDArray[np.int32]
    cols: npt.NDArray[Any]  # `column_type(intents)`
    values: npt.NDArray[np.int8]

    def __post_init__(self) -> None:
        self._matrix = self.values.reshape(-1, self.intents) if self.intents and not len(self.bounds) else None

    def scores(
        self, keys: npt.NDArray[np.uint64], tf: npt.NDArray[np.float64], n_word: int, unknown_idf: float
    ) -> npt.NDArray[np.float64]:
        """What a question's features add to each intent's score: its word features (the first `n_word`
        keys) and its character features are two tf-idf vectors, each of unit length (times `WORD_WEIGHT`
        for words), dotted with the intents' weights. `tf` is used up.

        Features the pack never saw still count in the length: unfamiliar wording dilutes the confidence.
        """
        n = self.intents
        if not len(self.keys):
            return np.zeros(n)
        # Method calls, not numpy's Python-level functions or fancy indexing: a question's arrays are so short
        # that each array operation's fixed cost is most of ranking it. A key past the last row is clipped
        # onto it (and is not found).
        j = self.keys.searchsorted(keys)
        found = self.keys.take(j, mode="clip") == keys
        idf = self.idf.take(j, mode="clip")
        np.putmask(idf, ~found, unknown_idf)
        t = tf * idf
        t *= t
        word_norm2, char_norm2 = float(np.add.reduce(t[:n_word])), float(np.add.reduce(t[n_word:]))
        tf[:n_word] *= WORD_WEIGHT / math.sqrt(word_norm2) if word_norm2 else 0.0
        tf[n_word:] *= 1.0 / math.sqrt(char_norm2) if char_norm2 else 0.0
        rows = j[found]
        coef = tf[found] * self.unit.take(rows)
        if self._matrix is not None:
            dot: npt.NDArray[np.float64] = np.dot(coef, self._matrix.take(rows, 0))
            return dot
        lo = self.bounds[rows]
        lens = self.bounds[rows + 1] - lo
        ends = lens.cumsum()
        # Positions of every found row's entries, one run per row.
        pos = np.repeat(lo - ends + lens, lens) + np.arange(ends[-1] if len(ends) else 0)
        return cast(npt.NDArray[np.float64], np.bincount(self.cols[pos], self.values[pos] * np.repeat(coef, lens), n))

    def row(self, feature: str) -> tuple[float, dict[int, float]] | None:
        """The feature's idf and its nonzero weights (times idf) by intent column, for tests and inspection."""
        key = feature_key(feature)
        j = int(self.keys.searchsorted(np.uint64(key)))
        if j == len(self.keys) or int(self.keys[j]) != key:
            return None
        if self._matrix is not None:
            cols, values = np.flatnonzero(self._matrix[j]), self._matrix[j]
            values = values[cols]
        else:
            lo, hi = int(self.bounds[j]), int(self.bounds[j + 1])
            cols, values = self.cols[lo:hi], self.values[lo:hi]
        unit = float(self.unit[j])
        return float(self.idf[j]), {int(c): int(v) * unit for c, v in zip(cols, values, strict=True)}

    def blobs(self) -> tuple[bytes, ...]:
        """The arrays' little-endian bytes, in `BLOB_COLUMNS` order."""
        return tuple(getattr(self, name).tobytes() for name in BLOB_COLUMNS)

    @classmethod
    def from_blobs(cls, intents: int, blobs: Sequence[bytes]) -> PackWeights:
        keys, idf, unit, bounds, cols, values = blobs
        return cls(
            intents=intents,
            keys=np.frombuffer(keys, "<u8"),
            idf=np.frombuffer(idf, "<f4"),
            unit=np.frombuffer(unit, "<f4"),
            bounds=np.frombuffer(bounds, "<i4"),
            cols=np.frombuffer(cols, np.dtype(column_type(intents)).newbyteorder("<")),
            values=np.frombuffer(values, "i1"),
        )


BLOB_COLUMNS = ("keys", "idf", "unit", "bounds", "cols", "values")
TEXT_COLUMNS = ("words", "examples")
# Numbers are stored as arrays: json parses a float 10x slower than numpy reads one.
ARRAY_COLUMNS = ("word_keys", "word_kinds", "bias", "example_bounds", *BLOB_COLUMNS)
MODEL_COLUMNS = ("model", *TEXT_COLUMNS, *ARRAY_COLUMNS)  # `IntentModel.to_row`: JSON, texts, then arrays

# What a word is to a pack (bits of `Lexicon.kind`).
PHRASING = 1  # a word of its phrasings: a target of typo correction, never taken for a name
STEM = 2  # the stem of a phrasing word ("renew" of "renewed"): familiar, and a typo target too
OTHER = 4  # a word of its answers or names only: known, but no sign the question is one the pack answers


def stored_array(typecode: str, data: bytes) -> array.array[int]:
    """Stored little-endian integers, read without an int object apiece (unlike numpy's `tolist`)."""
    values = array.array(typecode, data)
    if sys.byteorder == "big":
        values.byteswap()
    return values


class Lexicon:
    """Every word a pack knows and what it is to the pack (PHRASING | STEM | OTHER bits).

    Looked up by the word's `feature_key` in a sorted array of the pack's word keys, read in place from
    the stored bytes: a question looks up about ten words, and loading a pack builds no dict or set of its
    hundreds of words (which took a fifth of a load, and as long again to free when the pack was dropped).
    """

    def __init__(self, words: str, keys: array.array[int], kinds: bytes) -> None:
        self._words = words  # "\n"-separated, in key order: only split for typo targets
        self._keys = keys  # ascending
        self._kinds = kinds

    @classmethod
    def of(cls, vocabulary: Iterable[str], other_words: Iterable[str] = ()) -> Lexicon:
        """From a pack's phrasing words and its other known words (answers, names)."""
        kinds: dict[str, int] = {}
        for words, kind in ((vocabulary, PHRASING), (map(stem, vocabulary), STEM), (other_words, OTHER)):
            for w in words:
                kinds[w] = kinds.get(w, 0) | kind
        by_key = sorted((feature_key(w), w) for w in kinds)
        for (a, first), (b, second) in itertools.pairwise(by_key):
            if a == b:
                raise ValueError(f"words {first!r} and {second!r} have the same 64-bit key")
        return cls(
            "\n".join(w for _, w in by_key),
            array.array("Q", (k for k, _ in by_key)),
            bytes(kinds[w] for _, w in by_key),
        )

    @classmethod
    def from_blobs(cls, words: str, keys: bytes, kinds: bytes) -> Lexicon:
        return cls(words, stored_array("Q", keys), kinds)

    def blobs(self) -> tuple[str, bytes, bytes]:
        keys = array.array("Q", self._keys)
        if sys.byteorder == "big":
            keys.byteswap()
        return self._words, keys.tobytes(), self._kinds

    def kind(self, word: str) -> int:
        key = FEATURE_KEYS[word]
        i = bisect.bisect_left(self._keys, key)
        return self._kinds[i] if i < len(self._keys) and self._keys[i] == key else 0

    def items(self) -> Iterator[tuple[str, int]]:
        """(word, kind) in no particular order."""
        return zip(self._words.split("\n") if self._words else [], self._kinds, strict=True)


@dataclass
class IntentModel:
    intents: list[str]  # column -> intent (fact id or template id)
    bias: list[float] | npt.NDArray[np.float64]  # per intent
    weights: PackWeights
    threshold: float  # self-calibrated minimum confidence to answer
    lexicon: Lexicon
    shared: dict[str, list[str]] = field(default_factory=dict)  # phrasing -> intents that all use it
    char_ngrams: bool = True  # False for very large packs (see bot.train)
    sharpness: float = 1.0  # see Ranking
    # Share of the phrasings that name the show or point at it ("is it renewed", "the ending"): a fan
    # pack's are mostly such, an imported FAQ sheet's requests are not (see `bot.router.REFERRING_PACK`).
    points_at_show: float = 0.0
    unknown_idf: float | None = None  # what a feature the pack never saw weighs in a question's length (None: derive)
    # Each intent's phrasings as trained (normalised, names as slots), one per line ending in "\n":
    # intent c's are example_text[example_bounds[c]:example_bounds[c + 1]], split when the re-rank needs
    # them (see RERANK), and kept split only once the pack has ranked a second question: a pack asked once is
    # usually dropped before it is asked again, and freeing its kept lines, out of cache, cost more than
    # splitting them; a pack asked often saves the split on every question.
    example_text: str = ""
    example_bounds: Sequence[int] = ()  # an array.array when loaded: no int object per intent to free

    def __post_init__(self) -> None:
        if self.unknown_idf is None:
            self.unknown_idf = float(self.weights.idf.max()) if len(self.weights.idf) else 1.0
        self._bias = np.asarray(self.bias, np.float64)
        self._used_stems: dict[int, set[str]] = {}  # see `phrasings_use`
        self._split: dict[int, list[str]] | None = None  # see `example_text`: None until a second question
        self._ranked = 0

    def _block(self, column: int) -> str:
        return self.example_text[self.example_bounds[column] : self.example_bounds[column + 1]]

    def _phrasings(self, column: int) -> list[str]:
        if self._split is None:
            return self._block(column).split("\n")[:-1]
        lines = self._split.get(column)
        if lines is None:
            lines = self._split[column] = self._block(column).split("\n")[:-1]
        return lines

    @cached_property
    def _columns(self) -> dict[str, int]:
        return {intent: c for c, intent in enumerate(self.intents)}

    def _column(self, intent: str) -> int | None:
        """The intent's column, if the model has it and kept its phrasings."""
        return self._columns.get(intent) if self.example_bounds else None

    def phrasings_use(self, intent: str, words: Iterable[str]) -> bool:
        """Whether the intent's phrasings use any of `words`, or another form of one ("renew" / "renewed")."""
        column = self._column(intent)
        if column is None:
            return True  # nothing to judge by
        used = self._used_stems.get(column)
        if used is None:
            used = self._used_stems[column] = {stem(w) for line in self._phrasings(column) for w in line.split()}
        return any(stem(w) in used for w in words)

    def has_phrasing(self, intent: str, text: str) -> bool:
        """Whether `text` is one of the intent's phrasings as trained (normalised, the show's names removed)."""
        column = self._column(intent)
        if column is None:
            return False
        block = self._block(column)
        return block.startswith(text + "\n") or f"\n{text}\n" in block

    def phrasings(self, intent: str) -> list[str]:
        """The intent's phrasings as trained (normalised, names as slots); none for an intent it lacks."""
        column = self._column(intent)
        return self._phrasings(column) if column is not None else []

    def has_phrasing_but(self, intent: str, words: Sequence[str], at: int) -> bool:
        """Whether one of the intent's phrasings is `words` with another word at position `at`."""
        for line in self.phrasings(intent):
            other = line.split()
            if len(other) == len(words) and other[:at] == words[:at] and other[at + 1 :] == words[at + 1 :]:
                return True
        return False

    @cached_property
    def _typo_targets(self) -> list[str]:
        """Only needed for a question with an unknown word, so not computed on load."""
        # Typos are corrected towards phrasing words and their stems ("renw" -> "renew" of "renewed"), not
        # towards stopwords: "tall" is not a typo of "all", and a stopword carries no meaning to restore.
        return sorted(w for w, kind in self.lexicon.items() if kind & (PHRASING | STEM) and w not in STOPWORDS)

    def to_row(self) -> tuple[object, ...]:
        """The stored form (see `MODEL_COLUMNS`): the small fields as JSON, the word lists as plain text
        (one word or phrasing per line: in JSON, decoding every line break took a third of a pack's load),
        then `PackWeights.blobs`."""
        data = {
            "intents": self.intents,
            "threshold": self.threshold,
            "shared": self.shared,
            "char_ngrams": self.char_ngrams,
            "sharpness": self.sharpness,
            "points_at_show": self.points_at_show,
            "unknown_idf": self.unknown_idf,
        }
        words, word_keys, word_kinds = self.lexicon.blobs()
        numbers = (
            word_keys,
            word_kinds,
            np.asarray(self.bias, "<f8").tobytes(),
            np.asarray(self.example_bounds, "<i4").tobytes(),
        )
        return (json.dumps(data, separators=(",", ":")), words, self.example_text, *numbers, *self.weights.blobs())

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> IntentModel:
        data = json.loads(row[0])
        words, example_text, word_keys, word_kinds, bias, example_bounds = row[1:7]
        return cls(
            intents=data["intents"],
            bias=np.frombuffer(bias, "<f8"),
            weights=PackWeights.from_blobs(len(data["intents"]), row[7:]),
            threshold=float(data["threshold"]),
            lexicon=Lexicon.from_blobs(words, word_keys, word_kinds),
            shared=data["shared"],
            char_ngrams=bool(data["char_ngrams"]),
            sharpness=float(data["sharpness"]),
            points_at_show=float(data["points_at_show"]),
            unknown_idf=float(data["unknown_idf"]),
            example_text=example_text,
            example_bounds=stored_array("i", example_bounds),
        )

    def familiar(self, word: str) -> bool:
        """Whether the pack's phrasings use this word, or another form of it ("renew" / "renewed")."""
        return bool(self.lexicon.kind(word) & PHRASING or self.lexicon.kind(STEMS[word]) & STEM)

    def knows(self, word: str) -> bool:
        return bool(self.lexicon.kind(word) & (PHRASING | OTHER))

    def recognises(self, word: str) -> bool:
        """`knows` or `familiar`, in at most two lookups: the word itself, then its stem."""
        return bool(self.lexicon.kind(word) & (PHRASING | OTHER) or self.lexicon.kind(STEMS[word]) & STEM)

    def in_phrasings(self, word: str) -> bool:
        return bool(self.lexicon.kind(word) & PHRASING)

    def correct(self, words: Iterable[str], keep: frozenset[str] = frozenset()) -> list[str]:
        """Replace unknown words by the closest phrasing word ("renwed" -> "renewed"), but not those in `keep`,
        which are no typos whatever the pack holds ("pilot" is not "plot")."""
        out = []
        for w in words:
            if len(w) >= 4 and not w.isdigit() and w not in keep and not self.recognises(w):
                hit = process.extractOne(w, self._typo_targets, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF)
                if hit:
                    w = hit[0]
            out.append(w)
        return out

    def rank(self, words: Sequence[str], limit: int = 4) -> Ranking:
        """The most probable intents for already-corrected question words."""
        self._ranked += 1
        if self._ranked == 2:
            self._split = {}
        keys, tf, n_word = question_features(words, self.char_ngrams)
        scores = self._bias + self.weights.scores(keys, tf, n_word, self.unknown_idf or 0.0)
        if not len(scores):  # an FAQ sheet whose phrasings were only the show's name: nothing to rank
            return Ranking((), self.threshold, self.sharpness)
        # In numpy, not a Python loop over every intent (a tenth of a question); a stable sort keeps the
        # first column first among equal scores.
        best = (-scores).argsort(kind="stable")[: max(limit, RERANK)].tolist()
        exp = np.exp(scores - scores[best[0]])
        total = float(np.add.reduce(exp))
        probabilities = {c: float(exp[c]) / total for c in best}
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
        examples = self._phrasings(column)
        hit = process.extractOne(text, examples, scorer=fuzz.ratio) if examples else None
        return hit[1] / 100 if hit else 0.0
