"""Training a show's intent model at build time (the only place numpy is used).

Softmax regression by mini-batch Adagrad in a seeded order, so a build is deterministic. Each example
updates only its true intent and the few intents with the largest gradient, which keeps the weights
sparse enough to score in pure Python at question time.

The acceptance threshold is calibrated from the pack itself: every other phrasing of each intent is
held out and scored by a model trained on the rest, and the threshold is a fraction of a low quantile
of the confidences of the held-out phrasings that were ranked correctly. Packs differ (10 or 50
phrasings per intent shift good thresholds by 2x), so no fixed number would transfer. The same
held-out scores give the softmax sharpness the router uses to compare two intents' probabilities.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.intent import SCALE, WORD_WEIGHT, IntentModel, SparseWeights, WordParts, features

SCRATCH_FLOATS = 4_000_000  # bound on temporary arrays while calibrating (16 MB of float32)
TOP_SCORES = 32  # best scores kept per held-out phrasing for calibration
Floats = npt.NDArray[np.float32]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class TrainSettings:
    epochs: int = 3
    top_k: int = 8  # intents updated per example besides the true one
    batch: int = 16
    learning_rate: float = 0.5
    seed: int = 13
    folds: int = 2  # cross-fitting folds for threshold calibration
    # Folds actually held out and scored (the last ones: every intent keeps its first phrasing for training).
    # One of two costs half the calibration training of both, and gives the same thresholds within noise.
    scored_folds: int = 1
    quantile: float = 0.01  # of held-out confidences of correctly ranked phrasings
    # Fans word questions further from a pack's phrasings than its phrasings are from each other, so they
    # score lower than held-out phrasings do: the threshold is this fraction of that quantile (tuned with
    # CLINC150 val/oos_val and the Etoile sets; the router raises it for unfamiliar words).
    threshold_scale: float = 0.4
    min_threshold: float = 0.02
    max_threshold: float = 0.5
    prune: float = 0.05  # smaller weights are dropped from the stored model: 3x fewer, same answers
    # Above this many intents (a big imported FAQ sheet), a softmax costs features x intents memory and
    # time: such packs get tf-idf centroids on words and word pairs instead, fitted in one pass.
    max_softmax_intents: int = 400
    centroid_temperature: float = 20.0  # turns cosine similarities into softmax scores


def fit(
    examples: Sequence[tuple[str, str]],
    other_words: set[str] | None = None,
    settings: TrainSettings | None = None,
) -> IntentModel:
    """Train on (normalised text, intent) pairs."""
    s = settings or TrainSettings()
    intents = sorted({intent for _, intent in examples})
    column = {intent: c for c, intent in enumerate(intents)}
    labels = np.asarray([column[i] for _, i in examples], np.int64)
    chars = len(intents) <= s.max_softmax_intents
    memo: dict[str, WordParts] = {}  # each distinct word stemmed and cut into n-grams once per fit
    table = FeatureTable([features(text.split(), chars, memo) for text, _ in examples])
    learn = _train if chars else _centroids
    threshold, sharpness = _calibrate(table, labels, len(intents), s, learn)
    _, idf, weights, bias = learn(table, np.arange(len(examples)), labels, len(intents), s)
    vocabulary = sorted({w for text, _ in examples for w in text.split()})
    shared: dict[str, set[str]] = {}
    for text, intent in examples:
        shared.setdefault(text, set()).add(intent)
    return IntentModel(
        intents=intents,
        bias=[round(float(b), 4) for b in bias],
        weights=_sparse_weights(table.vocab, idf, weights, s.prune),
        threshold=threshold,
        sharpness=round(sharpness, 4),
        vocabulary=vocabulary,
        other_words=sorted((other_words or set()) - set(vocabulary)),
        shared={text: sorted(ids) for text, ids in shared.items() if len(ids) > 1},
        char_ngrams=chars,
    )


def _sparse_weights(vocab: dict[str, int], idf: Floats, weights: Floats | SparseRows, prune: float) -> SparseWeights:
    """The stored form of the weights: per feature, its idf and the intents it votes for (|w| > prune),
    as fixed-point integers with the idf folded in (what `IntentModel.rank` adds up)."""
    if isinstance(weights, SparseRows):
        feature_of = np.repeat(np.arange(len(vocab)), np.diff(weights.bounds))
        cols, ws = weights.cols, weights.weights
    else:
        feature_of, cols = np.nonzero(np.abs(weights) > prune)
        ws = weights[feature_of, cols]
    keep = np.abs(ws) > prune
    feature_of, cols, ws = feature_of[keep], cols[keep], ws[keep]
    idf64 = idf.astype(np.float64)
    values = np.clip(np.rint(ws.astype(np.float64) * idf64[feature_of] * SCALE), -(2**31) + 1, 2**31 - 1)
    return SparseWeights(
        features=list(vocab),  # in id order: the vocabulary is filled in order
        idf=array("f", idf.astype(np.float32).tobytes()),
        bounds=array("i", np.searchsorted(feature_of, np.arange(len(vocab) + 1)).astype(np.int32).tobytes()),
        cols=array("i", cols.astype(np.int32).tobytes()),
        values=array("i", values.astype(np.int32).tobytes()),
    )


class FeatureTable:
    """Every example's features as flat arrays over one vocabulary, built once per fit: training
    folds and held-out scoring select rows from it instead of re-reading the feature dicts."""

    def __init__(self, feats: list[tuple[dict[str, int], dict[str, int]]]) -> None:
        # Word features get the first ids, character n-grams the rest (C-level passes: builds fit many packs).
        words = dict.fromkeys(itertools.chain.from_iterable(w for w, _ in feats))
        grams = dict.fromkeys(itertools.chain.from_iterable(c for _, c in feats))
        self.vocab: dict[str, int] = {k: i for i, k in enumerate(itertools.chain(words, grams))}
        self.block = np.repeat(np.asarray([0, 1], np.int64), [len(words), len(grams)])  # 1: character n-grams
        self.lens = np.asarray([len(w) + len(c) for w, c in feats], np.int64)
        total = int(self.lens.sum())
        keys = itertools.chain.from_iterable(itertools.chain.from_iterable(feats))
        self.idx = np.fromiter(map(self.vocab.__getitem__, keys), np.int64, total)
        counts = itertools.chain.from_iterable(f.values() for pair in feats for f in pair)
        self.tf = np.fromiter(counts, np.float64, total)
        self.starts = np.concatenate(([0], np.cumsum(self.lens)[:-1]))

    def entries(self, rows: Ints) -> Ints:
        """Positions in the flat arrays of the given examples' features, example by example."""
        lens = self.lens[rows]
        before = np.concatenate(([0], np.cumsum(lens)[:-1]))
        return np.repeat(self.starts[rows] - before, lens) + np.arange(int(lens.sum()))

    def subset(self, rows: Ints) -> tuple[Ints, npt.NDArray[np.float64], Ints, Floats, Ints]:
        """For a training fold: global->local feature ids (-1 if unseen), idf, and the rows' features
        as (local ids, tf-idf values with unit-length blocks, lengths)."""
        sel = self.entries(rows)
        gidx = self.idx[sel]
        df = np.bincount(gidx, minlength=len(self.vocab))  # a feature occurs once per example
        present = df > 0
        local = np.full(len(self.vocab), -1, np.int64)
        local[present] = np.arange(int(present.sum()))
        idf = np.log((1.0 + len(rows)) / (1.0 + df[present].astype(np.float64))) + 1.0
        idx = local[gidx]
        lens = self.lens[rows]
        vals = self.tf[sel] * idf[idx]
        return local, idf, idx, self.scaled(vals, gidx, lens), lens

    def scaled(self, vals: npt.NDArray[np.float64], gidx: Ints, lens: Ints) -> Floats:
        """`vals` with each example's word block and character block scaled to unit length, then the
        word block weighted by WORD_WEIGHT: exactly what `IntentModel.rank` computes for a question."""
        block = self.block[gidx]
        key = 2 * np.repeat(np.arange(len(lens)), lens) + block
        norms = np.sqrt(np.bincount(key, weights=vals * vals, minlength=2 * len(lens)))
        factor = np.where(block == 0, WORD_WEIGHT, 1.0) / np.where(norms[key] > 0, norms[key], 1.0)
        return (vals * factor).astype(np.float32)


def _centroids(
    table: FeatureTable, rows: Ints, labels: Ints, n_intents: int, s: TrainSettings
) -> tuple[Ints, Floats, SparseRows, Floats]:
    """Unit-length tf-idf centroid per intent, scaled so a softmax over cosines is decisive."""
    local, idf, idx, vals, lens = table.subset(rows)
    keys = idx * n_intents + np.repeat(labels[rows], lens)
    unique, inverse = np.unique(keys, return_inverse=True)
    sums = np.bincount(inverse, weights=vals)
    cols = unique % n_intents
    norms = np.sqrt(np.bincount(cols, weights=sums * sums, minlength=n_intents))
    weights = (s.centroid_temperature * sums / norms[cols]).astype(np.float32)
    return (
        local,
        idf.astype(np.float32),
        SparseRows(unique // n_intents, cols, weights, len(idf)),
        np.zeros(n_intents, np.float32),
    )


class SparseRows:
    """(feature, intent, weight) triples sorted by feature, indexable like a dense weight matrix."""

    def __init__(self, rows: Ints, cols: Ints, weights: Floats, n_features: int) -> None:
        self.cols, self.weights = cols, weights
        self.bounds = np.searchsorted(rows, np.arange(n_features + 1))

    def gather(self, ids: Ints, n_intents: int) -> Floats:
        out = np.zeros((len(ids), n_intents), np.float32)
        for r, j in enumerate(ids.tolist()):
            lo, hi = self.bounds[j], self.bounds[j + 1]
            out[r, self.cols[lo:hi]] = self.weights[lo:hi]
        return out


def _train(
    table: FeatureTable, rows: Ints, labels: Ints, n_intents: int, s: TrainSettings
) -> tuple[Ints, Floats, Floats, Floats]:
    """Feature map, idf, weights (features x intents) and biases of a softmax regression on `rows`."""
    local, idf, idx, vals, lens = table.subset(rows)
    weights, bias = _sgd(idx, vals, lens, labels[rows], len(idf), n_intents, s)
    return local, idf.astype(np.float32), weights, bias


def _sgd(
    idx: Ints, vals: Floats, lens: Ints, labels: Ints, n_features: int, n_intents: int, s: TrainSettings
) -> tuple[Floats, Floats]:
    w_flat = np.zeros(n_features * n_intents, np.float32)
    g_flat = np.full(n_features * n_intents, 1e-2, np.float32)  # Adagrad accumulators
    bias = np.zeros(n_intents, np.float32)
    w = w_flat.reshape(n_features, n_intents)
    k = min(s.top_k, n_intents)
    rng = np.random.RandomState(s.seed)
    order = np.arange(len(lens))
    starts = np.concatenate(([0], np.cumsum(lens)[:-1]))
    row_base = np.arange(s.batch) * n_intents  # where each row of a batch starts in its flattened scores
    every = np.arange(n_intents)
    for _ in range(s.epochs):
        rng.shuffle(order)
        # The epoch's examples laid out in order once; each batch is then a slice. Per-call overhead is
        # most of a mini-batch's cost: what does not change within the epoch is computed here, and the
        # loop uses take() and in-place arithmetic (the same float32 operations in the same order).
        olens = lens[order]
        bounds = np.concatenate(([0], np.cumsum(olens)))
        sel = np.repeat(starts[order] - bounds[:-1], olens) + np.arange(bounds[-1])
        all_fidx, all_fval = idx[sel], vals[sel]
        all_base = all_fidx * n_intents
        all_rows = np.repeat(np.arange(len(order)) % s.batch, olens)  # example's row within its batch
        all_y = labels[order]
        cuts = bounds.tolist()
        for start in range(0, len(order), s.batch):
            stop = min(start + s.batch, len(order))
            lo, hi = cuts[start], cuts[stop]
            fval, row_of = all_fval[lo:hi], all_rows[lo:hi]
            prod = w.take(all_fidx[lo:hi], axis=0)
            prod *= fval[:, None]
            scores = np.add.reduceat(prod, bounds[start:stop] - lo, axis=0)
            scores += bias
            scores -= scores.max(1, keepdims=True)
            grad = np.exp(scores, out=scores)
            grad /= grad.sum(1, keepdims=True)
            y = all_y[start:stop]
            rows = row_base[: stop - start]
            grad.ravel()[rows + y] -= 1.0  # (reduceat made a new C-ordered array: ravel() is a view)
            if k < n_intents:
                cols = np.argpartition(-np.abs(grad), k - 1, axis=1)[:, :k]
                missing = ~(cols == y[:, None]).any(1)
                cols[missing, -1] = y[missing]
            else:
                cols = np.broadcast_to(every, (stop - start, n_intents))
            gc = grad.ravel().take(cols + rows[:, None])
            flat = (all_base[lo:hi, None] + cols.take(row_of, axis=0)).ravel()
            gw = (fval[:, None] * gc.take(row_of, axis=0)).ravel()
            np.add.at(g_flat, flat, gw * gw)
            np.add.at(w_flat, flat, -s.learning_rate * gw / np.sqrt(g_flat.take(flat)))
            np.add.at(bias, cols.ravel(), -0.1 * s.learning_rate * gc.ravel())
    return w, bias


def _calibrate(
    table: FeatureTable, labels: Ints, n_intents: int, s: TrainSettings, learn: Learner
) -> tuple[float, float]:
    """The acceptance threshold and the sharpness (inverse softmax temperature) for this pack.

    Each fold is scored by a model trained on the others. The threshold is a low quantile of the
    confidences of the held-out phrasings that were ranked correctly. Short training leaves the
    softmax under-confident, by an amount that differs from pack to pack; the sharpness that gives the
    held-out phrasings the highest likelihood makes the ratio of two intents' probabilities mean the
    same in every pack, which is what the router's ambiguity rule compares. (Sharpening the
    confidence itself would also sharpen chit-chat that happens to share a word with one fact.)
    """
    fold = np.zeros(len(labels), np.int64)
    seen: dict[int, int] = {}
    for r, c in enumerate(labels.tolist()):  # round-robin within each intent: stratified, deterministic
        fold[r] = seen.get(c, 0) % s.folds
        seen[c] = seen.get(c, 0) + 1
    tops: list[Floats] = []
    for f in range(s.folds - s.scored_folds, s.folds):
        train = np.nonzero(fold != f)[0]
        held_out = np.nonzero(fold == f)[0]
        if len(held_out) == 0 or len(train) == 0:
            continue
        local, idf, weights, bias = learn(table, train, labels, n_intents, s)
        # Chunks keep the dense (features x intents) scratch matrix small for packs with many intents.
        per_row = max(1, int(table.lens[held_out].mean()) * n_intents)
        chunk = max(1, SCRATCH_FLOATS // per_row)
        for start in range(0, len(held_out), chunk):
            rows = held_out[start : start + chunk]
            tops.append(_held_out_scores(table, rows, labels, local, idf, weights, bias))
    if not tops:
        return s.max_threshold, 1.0
    scores = np.concatenate(tops)  # per row: the true intent's score, then the top scores, descending
    sharpness = _sharpness(scores) if n_intents <= s.max_softmax_intents else 1.0
    p = np.exp(scores - scores[:, 1:2])
    confidence = 1.0 / p[:, 1:].sum(1)
    right = scores[:, 0] >= scores[:, 1]
    if not right.any():
        return s.max_threshold, sharpness
    q = float(np.quantile(confidence[right], s.quantile)) * s.threshold_scale
    return min(max(q, s.min_threshold), s.max_threshold), sharpness


def _sharpness(scores: Floats) -> float:
    """The factor on all scores that maximises the held-out likelihood of the true intents."""
    candidates = np.geomspace(0.5, 8.0, 33)
    nll = []
    # Several candidates per numpy call (float64, as scores * a for each a; the sums run along the same
    # contiguous axes, so every mean is the same number), with temporaries bounded by SCRATCH_FLOATS.
    group = max(1, SCRATCH_FLOATS // max(1, scores.size))
    for lo in range(0, len(candidates), group):
        z = scores * candidates[lo : lo + group, None, None]
        top = z[:, :, 1:2]
        nll.extend((np.log(np.exp(z[:, :, 1:] - top).sum(2)) + top[:, :, 0] - z[:, :, 0]).mean(1).tolist())
    return float(candidates[int(np.argmin(nll))])


def _held_out_scores(
    table: FeatureTable,
    rows: Ints,
    labels: Ints,
    local: Ints,
    idf: Floats,
    weights: Floats | SparseRows,
    bias: Floats,
) -> Floats:
    """Per held-out row: its true intent's score, then its TOP_SCORES best scores in decreasing order
    (enough for the softmax: the other intents carry next to no probability)."""
    sel = table.entries(rows)
    ids = local[table.idx[sel]]
    unknown_idf = float(idf.max()) if len(idf) else 1.0
    x = table.scaled(table.tf[sel] * np.append(idf, unknown_idf)[ids], table.idx[sel], table.lens[rows])
    row_of = np.repeat(np.arange(len(rows)), table.lens[rows])
    known = ids >= 0
    n_intents = len(bias)
    gathered = (
        weights.gather(ids[known], n_intents) if isinstance(weights, SparseRows) else weights.take(ids[known], axis=0)
    )
    gathered *= x[known][:, None]
    scores = np.zeros((len(rows), n_intents), np.float32)
    present, starts = np.unique(row_of[known], return_index=True)  # rows with a known feature
    if len(present):
        scores[present] = np.add.reduceat(gathered, starts, axis=0)
    scores += bias
    k = min(TOP_SCORES, n_intents)
    top = -np.sort(-np.partition(scores, n_intents - k, axis=1)[:, n_intents - k :], axis=1)
    true = scores[np.arange(len(rows)), labels[rows]]
    return np.concatenate((true[:, None], top), axis=1)


Learner = Callable[[FeatureTable, Ints, Ints, int, TrainSettings], tuple[Ints, Floats, "Floats | SparseRows", Floats]]
