"""Training a show's intent model at build time.

Softmax regression by mini-batch Adagrad in a seeded order, so a build is deterministic. Each example
updates only its true intent and the few intents with the largest gradient, which keeps the weights
sparse: small to store, and cheap to load and to add up at question time.

The acceptance threshold is calibrated from the pack itself: every other phrasing of each intent is
held out and scored by a model trained on the rest, and the threshold is a fraction of a low quantile
of the confidences of the held-out phrasings that were ranked correctly. Packs differ (10 or 50
phrasings per intent shift good thresholds by 2x), so no fixed number would transfer. The same
held-out scores give the softmax sharpness the router uses to compare two intents' probabilities.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.intent import (
    DENSE_ENTRIES,
    FEATURE_KEYS,
    WORD_WEIGHT,
    IntentModel,
    Lexicon,
    PackWeights,
    column_type,
    stem,
    word_ngrams,
)

SCRATCH_FLOATS = 4_000_000  # bound on temporary arrays while calibrating (16 MB of float32)
TOP_SCORES = 32  # best scores kept per held-out phrasing for calibration
# Stored weights are 8-bit integers scaled per feature: each feature's largest weight x idf becomes
# VALUE_MAX, so rounding moves a vote by at most 1/254 of that feature's largest one. (Answers on CLINC150
# and the Étoile sets are those of 32-bit weights; one scale for the whole pack needed 16 bits for that.)
VALUE_MAX = 127
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
    table = FeatureTable([text.split() for text, _ in examples], chars)
    learn = _train if chars else _centroids
    threshold, sharpness = _calibrate(table, labels, len(intents), s, learn)
    _, idf, weights, bias = learn(table, np.arange(len(examples)), labels, len(intents), s)
    vocabulary = sorted({w for text, _ in examples for w in text.split()})
    shared: dict[str, set[str]] = {}
    by_intent: dict[str, dict[str, None]] = {intent: {} for intent in intents}
    for text, intent in examples:
        shared.setdefault(text, set()).add(intent)
        by_intent[intent][text] = None
    blocks = ["".join(f"{text}\n" for text in by_intent[intent]) for intent in intents]
    return IntentModel(
        intents=intents,
        bias=[round(float(b), 4) for b in bias],
        weights=_stored_weights(table.vocab, idf, weights, s.prune, len(intents)),
        threshold=threshold,
        sharpness=round(sharpness, 4),
        lexicon=Lexicon.of(vocabulary, other_words or ()),
        shared={text: sorted(ids) for text, ids in shared.items() if len(ids) > 1},
        example_text="".join(blocks),
        example_bounds=[0, *itertools.accumulate(map(len, blocks))],
        char_ngrams=chars,
    )


def _stored_weights(
    vocab: dict[str, int], idf: Floats, weights: Floats | SparseRows, prune: float, n_intents: int
) -> PackWeights:
    """The stored form of the weights: per feature, its idf and its votes for intents (|w| > prune; the
    rest are 0) with the idf folded in (what `IntentModel.rank` adds up), as 8-bit integers times the
    feature's scale, rows sorted by feature key (see `PackWeights`)."""
    if isinstance(weights, SparseRows):
        feature_of = np.repeat(np.arange(len(vocab)), np.diff(weights.bounds))
        cols, ws = weights.cols, weights.weights
    else:
        feature_of, cols = np.nonzero(np.abs(weights) > prune)
        ws = weights[feature_of, cols]
    keep = np.abs(ws) > prune
    feature_of, cols, ws = feature_of[keep], cols[keep], ws[keep]
    folded = ws.astype(np.float64) * idf.astype(np.float64)[feature_of]
    largest = np.zeros(len(vocab))
    np.maximum.at(largest, feature_of, np.abs(folded))
    unit = np.where(largest > 0, largest / VALUE_MAX, 1.0)  # per feature id
    values = np.rint(folded / unit[feature_of])
    # In id order (the vocabulary is filled in order); remembered: packs built in one process share most
    # of their words and n-grams.
    keys = np.fromiter(map(FEATURE_KEYS.__getitem__, vocab), np.uint64, len(vocab))
    order = np.argsort(keys, kind="stable")  # row -> feature id
    sorted_keys = keys[order]
    if len(keys) and np.any(sorted_keys[1:] == sorted_keys[:-1]):
        clash = [f for f in vocab if np.count_nonzero(keys == np.uint64(FEATURE_KEYS[f])) > 1]
        raise ValueError(f"features {clash[:2]} have the same 64-bit key: their answers would mix")
    row_of = np.empty(len(vocab), np.int64)
    row_of[order] = np.arange(len(vocab))
    rows = row_of[feature_of]
    col_type = np.dtype(column_type(n_intents)).newbyteorder("<")
    if len(vocab) * n_intents <= DENSE_ENTRIES:
        matrix = np.zeros((len(vocab), n_intents), "i1")
        matrix[rows, cols] = values
        bounds, stored_cols, stored = np.zeros(0, "<i4"), np.zeros(0, col_type), matrix.ravel()
    else:
        by_row = np.lexsort((cols, rows))
        bounds = np.searchsorted(rows[by_row], np.arange(len(vocab) + 1)).astype("<i4")
        stored_cols, stored = cols[by_row].astype(col_type), values[by_row].astype("i1")
    return PackWeights(
        intents=n_intents,
        keys=sorted_keys.astype("<u8"),
        idf=idf[order].astype("<f4"),
        unit=unit[order].astype("<f4"),
        bounds=bounds,
        cols=stored_cols,
        values=stored,
    )


class FeatureTable:
    """Every example's features as flat arrays over one vocabulary, built once per fit: training
    folds and held-out scoring select rows from it instead of re-reading the feature dicts.

    The same keys, counts and order as `bot.intent.features` gives each phrasing (word features get
    the first ids, character n-grams the rest, each in order of first use), computed per distinct
    word and per pack with array operations: phrasings repeat their words, and builds fit many packs.
    """

    def __init__(self, texts: Sequence[Sequence[str]], chars: bool) -> None:
        n = len(texts)
        distinct = list(dict.fromkeys(itertools.chain.from_iterable(texts)))  # in order of first use
        index = dict(zip(distinct, itertools.count()))
        n_words = np.fromiter(map(len, texts), np.int64, n)
        occ = np.fromiter(map(index.__getitem__, itertools.chain.from_iterable(texts)), np.int64, int(n_words.sum()))
        occ_ex = np.repeat(np.arange(n), n_words)  # the example of each word occurrence

        # Word block: each example's "w:" stems, then its "b:" pairs of adjacent stems.
        stems = [stem(w) for w in distinct]
        stem_id = dict(zip(dict.fromkeys(stems), itertools.count()))
        stem_list = list(stem_id)
        n_stems = len(stem_list)
        occ_stem = np.fromiter(map(stem_id.__getitem__, stems), np.int64, len(stems))[occ]
        adjacent = occ_ex[1:] == occ_ex[:-1]
        codes, pair_of = np.unique(occ_stem[:-1][adjacent] * n_stems + occ_stem[1:][adjacent], return_inverse=True)
        keys = ["w:" + t for t in stem_list]
        keys += ["b:" + stem_list[c // n_stems] + "_" + stem_list[c % n_stems] for c in codes.tolist()]
        key_id: dict[str, int] = {}  # one id per distinct key string
        key_of = np.fromiter((key_id.setdefault(k, len(key_id)) for k in keys), np.int64, len(keys))
        tokens = key_of[np.concatenate((occ_stem, n_stems + pair_of.reshape(-1)))]
        tok_ex = np.concatenate((occ_ex, occ_ex[:-1][adjacent]))
        is_pair = np.repeat(np.asarray([0, 1], np.int64), [len(occ_stem), len(pair_of)])
        seq = np.argsort(2 * tok_ex + is_pair, kind="stable")  # per example: stems, then pairs
        tokens, tok_ex = tokens[seq], tok_ex[seq]
        key_list = list(key_id)
        words = [key_list[t] for t in _first_counts(tokens)[0].tolist()]
        n_keys = max(1, len(key_list))
        w_keys, w_tf = _first_counts(tok_ex * n_keys + tokens)
        w_ex, w_tok = np.divmod(w_keys, n_keys)

        grams: dict[str, None] = {}
        if chars:  # the n-grams of the distinct words: new n-grams only come with a word's first use
            cut = [word_ngrams(w) for w in distinct]
            grams = dict.fromkeys(itertools.chain.from_iterable(cut))
        self.vocab: dict[str, int] = dict(zip(itertools.chain(words, grams), itertools.count()))
        self.block = np.repeat(np.asarray([0, 1], np.int64), [len(words), len(grams)])  # 1: character n-grams
        key_vocab = np.fromiter(map(self.vocab.__getitem__, key_list), np.int64, len(key_list))
        w_idx, w_lens = key_vocab[w_tok], np.bincount(w_ex, minlength=n)
        if not chars:
            self.idx, self.tf, self.lens = w_idx, w_tf.astype(np.float64), w_lens
        else:
            gram_id = dict(zip(grams, itertools.count()))
            word_grams = np.fromiter(
                map(gram_id.__getitem__, itertools.chain.from_iterable(cut)), np.int64, sum(map(len, cut))
            )
            per_word = np.fromiter(map(len, cut), np.int64, len(cut))
            occ_len = per_word[occ]
            at = np.repeat(_starts(per_word)[occ] - _starts(occ_len), occ_len) + np.arange(int(occ_len.sum()))
            n_grams = max(1, len(grams))
            c_keys, c_tf = _first_counts(np.repeat(occ_ex, occ_len) * n_grams + word_grams[at])
            c_ex, c_gram = np.divmod(c_keys, n_grams)
            gram_vocab = np.fromiter(map(self.vocab.__getitem__, grams), np.int64, len(grams))
            c_lens = np.bincount(c_ex, minlength=n)
            # Each example's word entries, then its character entries.
            self.lens = w_lens + c_lens
            starts = _starts(self.lens)
            w_at = np.repeat(starts - _starts(w_lens), w_lens) + np.arange(len(w_idx))
            c_at = np.repeat(starts + w_lens - _starts(c_lens), c_lens) + np.arange(len(c_keys))
            self.idx = np.empty(int(self.lens.sum()), np.int64)
            self.tf = np.empty(len(self.idx), np.float64)
            self.idx[w_at], self.idx[c_at] = w_idx, gram_vocab[c_gram]
            self.tf[w_at], self.tf[c_at] = w_tf, c_tf
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


def _starts(lens: Ints) -> Ints:
    """Where each of consecutive runs of these lengths starts."""
    return np.cumsum(lens) - lens


def _first_counts(keys: Ints) -> tuple[Ints, Ints]:
    """The distinct values of `keys` in order of first occurrence, and how many times each occurs."""
    perm = np.argsort(keys, kind="stable")
    ordered = keys[perm]
    new = np.ones(len(keys), bool)
    new[1:] = ordered[1:] != ordered[:-1]
    heads = np.flatnonzero(new)
    counts = np.diff(np.append(heads, len(keys)))
    first = np.argsort(perm[heads])  # distinct positions: any sort gives the same order
    return ordered[heads][first], counts[first]


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
    # contiguous axes, so every mean is the same number), each temporary within SCRATCH_FLOATS' bytes.
    group = max(1, SCRATCH_FLOATS // max(1, 2 * scores.size))
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
