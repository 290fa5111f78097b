"""Intent matching: which fact of a show's pack a normalised question asks for.

The model is fitted once per show when the fact base is built and stored as JSON in the database, so
answering a question costs a dictionary walk over the question's own features.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "do",
        "does",
        "did",
        "of",
        "to",
        "in",
        "on",
        "for",
        "at",
        "by",
        "it",
        "its",
        "this",
        "that",
        "there",
        "their",
        "they",
        "i",
        "me",
        "my",
        "you",
        "your",
        "we",
        "our",
        "he",
        "she",
        "his",
        "her",
        "and",
        "or",
        "so",
        "any",
        "some",
        "what",
        "which",
        "who",
        "whom",
        "how",
        "when",
        "where",
        "why",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "please",
        "am",
        "have",
        "has",
        "had",
        "about",
        "with",
        "from",
        "as",
        "just",
    ]
)

_SUFFIXES = ("ings", "ing", "ied", "ies", "ed", "es", "s")


def stem(word: str) -> str:
    """A deliberately crude suffix stripper: "renewed"/"renewal"/"renew" should meet."""
    if len(word) <= 4 or word.isdigit():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word


def features(words: Sequence[str]) -> Counter[str]:
    stems = [stem(w) for w in words]
    feats: Counter[str] = Counter(stems)
    feats.update(f"{a} {b}" for a, b in itertools.pairwise(stems))
    return feats


@dataclass
class IntentModel:
    idf: dict[str, float]
    centroids: dict[str, dict[str, float]]  # intent -> feature -> weight (unit length)
    examples: list[tuple[str, dict[str, float]]]  # (intent, unit vector) per phrasing
    vocabulary: list[str]  # words of the phrasings, targets of typo correction
    other_words: list[str]  # further words the pack knows (answers, names): not foreign

    @classmethod
    def fit(cls, examples: Iterable[tuple[str, str]], extra_vocabulary: Iterable[str] = ()) -> IntentModel:
        """Fit from (normalised text, intent) pairs."""
        rows = [(text.split(), intent) for text, intent in examples]
        df: Counter[str] = Counter()
        vocab: set[str] = set()
        for words, _ in rows:
            df.update(set(features(words)))
            vocab.update(words)
        n = max(len(rows), 1)
        idf = {f: math.log(1 + n / d) for f, d in df.items()}
        sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        examples = []
        for words, intent in rows:
            vec = _unit(_weigh(features(words), idf))
            examples.append((intent, vec))
            for f, w in vec.items():
                sums[intent][f] += w
        centroids = {intent: _unit(vec) for intent, vec in sums.items()}
        return cls(idf, centroids, examples, sorted(vocab), sorted(set(extra_vocabulary) - vocab))

    def to_json(self) -> dict[str, object]:
        return {
            "idf": self.idf,
            "centroids": self.centroids,
            "examples": self.examples,
            "vocabulary": self.vocabulary,
            "other_words": self.other_words,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> IntentModel:
        return cls(data["idf"], data["centroids"], data["examples"], data["vocabulary"], data["other_words"])  # type: ignore[arg-type]

    @property
    def phrasing_words(self) -> frozenset[str]:
        return self._known

    def knows(self, word: str) -> bool:
        return word in self._known or word in self._other

    @property
    def _other(self) -> frozenset[str]:
        cached: frozenset[str] | None = getattr(self, "_other_cache", None)
        if cached is None:
            cached = frozenset(self.other_words)
            self._other_cache = cached
        return cached

    def correct(self, words: list[str]) -> list[str]:
        """Replace unknown words by the closest pack word ("renwed" -> "renewed")."""
        known = self._known
        out = []
        for w in words:
            if w in known or len(w) < 4 or w.isdigit():
                out.append(w)
                continue
            hit = process.extractOne(w, self.vocabulary, scorer=fuzz.ratio, score_cutoff=80)
            out.append(hit[0] if hit else w)
        return out

    @property
    def _known(self) -> frozenset[str]:
        cached: frozenset[str] | None = getattr(self, "_known_cache", None)
        if cached is None:
            cached = frozenset(self.vocabulary)
            self._known_cache = cached
        return cached

    def rank(self, text: str, limit: int = 4) -> list[tuple[str, float]]:
        words = self.correct(text.split())
        q = _unit(_weigh(features(words), self.idf))
        scores: dict[str, float] = defaultdict(float)
        for intent, centroid in self.centroids.items():
            s = sum(w * centroid.get(f, 0.0) for f, w in q.items())
            if s > 0:
                scores[intent] = 0.5 * s
        for intent, vec in self.examples:
            s = 0.5 * sum(w * vec.get(f, 0.0) for f, w in q.items())
            if s > 0:
                scores[intent] = max(scores[intent], scores[intent] * 0 + s + 0.5 * self._centroid_score(intent, q))
        return sorted(scores.items(), key=lambda kv: -kv[1])[:limit]

    def _centroid_score(self, intent: str, q: dict[str, float]) -> float:
        centroid = self.centroids[intent]
        return sum(w * centroid.get(f, 0.0) for f, w in q.items())


def _weigh(feats: Counter[str], idf: dict[str, float]) -> dict[str, float]:
    default = max(idf.values(), default=1.0)
    return {f: (1 + math.log(c)) * idf.get(f, default) * (0.3 if f in STOPWORDS else 1.0) for f, c in feats.items()}


def _unit(vec: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
    return {f: w / norm for f, w in vec.items()}
