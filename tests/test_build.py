"""Building the fact base: a failed or interrupted build never touches the working database."""

from __future__ import annotations

import hashlib
import math
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from rapidfuzz import fuzz

import bot.build
import bot.intent
import bot.train
from bot.build import build
from bot.cli import cli
from bot.entities import NameMatcher
from bot.faq_import import import_faq
from bot.intent import (
    OTHER,
    PHRASING,
    RERANK_WEIGHT,
    STEM,
    WORD_WEIGHT,
    IntentModel,
    Lexicon,
    feature_key,
    features,
    question_features,
)
from bot.memo import Remembered
from bot.models import AskContext
from bot.packs import PackError
from bot.router import Router
from bot.store import FactBase, Records, records_text
from bot.train import FeatureTable, fit
from tests.conftest import MOON, PACKS, folded


def fingerprint(path: Path) -> tuple[str, int, int]:
    """Content hash, mtime and inode: unchanged means nobody wrote or replaced the file."""
    stat = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), stat.st_mtime_ns, stat.st_ino


def assert_answers_renewal(db: Path) -> None:
    answer = Router(FactBase(db)).ask("is moonfall cancelled", MOON)
    assert answer.status == "answered", answer
    assert "cancelled" in folded(answer.text)


def break_pack(knowledge: Path) -> None:
    (knowledge / "moonfall" / "facts.toml").write_text(
        PACKS["moonfall"]["facts.toml"] + '\n[[facts]]\nid = "oops"\nanswer = "unterminated\n', encoding="utf-8"
    )


def test_build_creates_a_database_that_answers(knowledge: Path, tmp_path: Path) -> None:
    db = tmp_path / "new" / "dir" / "showbot.db"
    report = build(knowledge, db)
    assert db.is_file()
    assert report.shows == 2
    base = FactBase(db)
    assert set(base.titles) == {"moonfall", "harbor-lights"}
    assert_answers_renewal(db)


def test_a_pack_row_holds_its_facts_and_people_with_the_sources_they_cite(synthetic_db: Path) -> None:
    """An answer needs no read beyond the pack's row: each fact and person carries its cited sources, in
    the order the pack cites them, and its history (older facts on its topic, newest first)."""
    show = FactBase(synthetic_db).show("moonfall")
    cancelled = show.facts["renewal-cancelled"]
    assert [s.outlet for s in cancelled.sources] == ["Trade Weekly", "Network Press"]
    assert cancelled.sources[1].url is None and cancelled.sources[0].published == "2024-09-02"
    assert cancelled.history == ("renewal-renewed",) and cancelled.current == "renewal-cancelled"
    assert show.facts["renewal-renewed"].current == "renewal-cancelled"
    assert [s.title for s in show.people["ada-stone"].sources] == ["Moonfall Station renewed for a second season"]
    assert "no-such-fact" not in show.facts
    with pytest.raises(KeyError):
        show.people["no-such-person"]
    assert len(show.facts) == len(list(show.facts.values())) == len(set(show.facts))


def test_stored_records_are_found_by_their_exact_id() -> None:
    """A record is found by searching the stored text for its id: an id that is the start of another's,
    or text inside a record that looks like a record's start, never finds the wrong one."""
    rows = [
        ("ab", 'answer with a line break\nand ["a", a fake start'),
        ("a", 'é \n["b", \u2028'),
        ("b", ""),
    ]
    records = Records(records_text(rows), lambda r: tuple(r))
    assert records["a"] == rows[1] and records["ab"] == rows[0] and records["b"] == rows[2]
    assert list(records) == ["ab", "a", "b"] and len(records) == 3
    assert "c" not in records and "" not in records and 'a"' not in records
    with pytest.raises(KeyError):
        records["c"]
    assert len(Records(records_text([]), tuple)) == 0 and "a" not in Records(records_text([]), tuple)


def test_build_leaves_no_temporary_files(synthetic_db: Path) -> None:
    assert sorted(p.name for p in synthetic_db.parent.iterdir()) == [synthetic_db.name]


def test_malformed_pack_leaves_database_untouched(knowledge: Path, synthetic_db: Path) -> None:
    """A build that fails validation changes neither the bytes nor the mtime of the working database."""
    before = fingerprint(synthetic_db)
    break_pack(knowledge)
    with pytest.raises(PackError):
        build(knowledge, synthetic_db)
    assert fingerprint(synthetic_db) == before
    assert sorted(p.name for p in synthetic_db.parent.iterdir()) == [synthetic_db.name]
    assert_answers_renewal(synthetic_db)


def test_malformed_pack_via_cli_leaves_database_untouched(knowledge: Path, synthetic_db: Path) -> None:
    before = fingerprint(synthetic_db)
    break_pack(knowledge)
    result = CliRunner().invoke(cli, ["build", "--knowledge", str(knowledge), "--db", str(synthetic_db)])
    assert result.exit_code != 0
    assert "facts.toml:" in result.output
    assert fingerprint(synthetic_db) == before
    assert_answers_renewal(synthetic_db)


@pytest.mark.parametrize("exception", [RuntimeError("disk on fire"), KeyboardInterrupt()], ids=["error", "ctrl-c"])
def test_interrupted_build_keeps_old_database(
    knowledge: Path, synthetic_db: Path, monkeypatch: pytest.MonkeyPatch, exception: BaseException
) -> None:
    """An exception after the first show has been written (midway) leaves the old database intact."""
    real_write_pack = bot.build.write_pack
    calls = []

    def write_then_fail(*args: object, **kwargs: object) -> None:
        calls.append(args)
        if len(calls) == 2:
            raise exception
        real_write_pack(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(bot.build, "write_pack", write_then_fail)
    before = fingerprint(synthetic_db)
    with pytest.raises(type(exception)):
        build(knowledge, synthetic_db)
    assert len(calls) == 2, "the build was not interrupted midway"
    assert fingerprint(synthetic_db) == before
    assert sorted(p.name for p in synthetic_db.parent.iterdir()) == [synthetic_db.name]
    assert_answers_renewal(synthetic_db)


def test_interrupted_first_build_leaves_no_database(
    knowledge: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(bot.build, "write_pack", fail)
    db = tmp_path / "fresh" / "showbot.db"
    with pytest.raises(RuntimeError):
        build(knowledge, db)
    assert not db.exists()
    assert not db.parent.exists() or not any(db.parent.iterdir())


def test_rebuild_serves_edited_pack(knowledge: Path, synthetic_db: Path) -> None:
    facts = knowledge / "moonfall" / "facts.toml"
    facts.write_text(
        facts.read_text(encoding="utf-8").replace(
            "No. Moonfall Station was cancelled after one season.", "No. Moonfall Station was axed by Orbit TV."
        ),
        encoding="utf-8",
    )
    build(knowledge, synthetic_db)
    answer = Router(FactBase(synthetic_db)).ask("is moonfall cancelled", MOON)
    assert "axed by orbit tv" in folded(answer.text)


def test_rebuild_drops_a_removed_pack(knowledge: Path, synthetic_db: Path) -> None:
    for f in (knowledge / "harbor-lights").iterdir():
        f.unlink()
    (knowledge / "harbor-lights").rmdir()
    build(knowledge, synthetic_db)
    assert set(FactBase(synthetic_db).titles) == {"moonfall"}


def test_imported_faq_show_survives_a_rebuild(knowledge: Path, synthetic_db: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "faq.csv"
    sheet.write_text(
        "question,answer\n"
        "when is the fan meetup,The fan meetup is on the first Saturday of every month.\n"
        "meetup date,The fan meetup is on the first Saturday of every month.\n",
        encoding="utf-8",
    )
    import_faq(sheet, "fan-club", "Fan Club", synthetic_db)
    assert "fan-club" in FactBase(synthetic_db).titles

    build(knowledge, synthetic_db)

    base = FactBase(synthetic_db)
    assert set(base.titles) == {"moonfall", "harbor-lights", "fan-club"}
    assert base.titles["fan-club"] == "Fan Club"
    answer = Router(base).ask("when is the fan meetup", AskContext(default_show="fan-club"))
    assert answer.status == "answered"
    assert answer.show == "fan-club"
    assert "first saturday" in folded(answer.text)
    assert_answers_renewal(synthetic_db)


def test_failed_build_also_keeps_imported_shows(knowledge: Path, synthetic_db: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "faq.csv"
    sheet.write_text("question,answer\nwhen is the meetup,Every first Saturday.\n", encoding="utf-8")
    import_faq(sheet, "fan-club", None, synthetic_db)
    before = fingerprint(synthetic_db)
    break_pack(knowledge)
    with pytest.raises(PackError):
        build(knowledge, synthetic_db)
    assert fingerprint(synthetic_db) == before


def test_database_is_a_plain_sqlite_file(synthetic_db: Path) -> None:
    """Curators can inspect it with sqlite3 / datasette: every show is listed in a shows table."""
    with sqlite3.connect(synthetic_db) as conn:
        tables = {name for (name,) in conn.execute("select name from sqlite_master where type = 'table'")}
        assert "shows" in tables
        assert {slug for (slug,) in conn.execute("select slug from shows")} == {"moonfall", "harbor-lights"}
    conn.close()


def test_garbage_file_is_not_opened_as_a_fact_base(tmp_path: Path) -> None:
    from bot.store import StoreError

    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite\x00" * 100)
    with pytest.raises(StoreError):
        FactBase(junk)
    with pytest.raises(StoreError):
        FactBase(tmp_path / "missing.db")


def test_many_packs_are_fitted_in_parallel_with_the_same_result(
    knowledge: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fitting packs on several cores gives the same models as fitting them one by one."""
    serial = tmp_path / "serial.db"
    build(knowledge, serial)
    monkeypatch.setattr(bot.build, "PACKS_PER_WORKER", 1)
    monkeypatch.setattr(bot.build, "_usable_cpus", lambda: 2)
    parallel = tmp_path / "parallel.db"
    build(knowledge, parallel)

    def models(db: Path) -> list[tuple[object, ...]]:
        with sqlite3.connect(db) as conn:
            rows = conn.execute("select * from packs order by show").fetchall()
        conn.close()
        return rows

    assert models(parallel) == models(serial)
    assert len(models(parallel)) == len(PACKS)


def test_feature_table_holds_each_phrasings_features_in_order() -> None:
    """Training computes features per distinct word with array operations; ids (first use, word
    features first), counts and their order, which fix the stored model, must be exactly what
    `features` gives each phrasing at question time."""
    texts = [
        "renewed renewed the renew",
        "is it renewed for season 2",
        "",
        "a",
        "x y x y z",
        "glasses ss glass",
        "a_b c",
        "a b_c",
        "w:ab ab",
    ]
    for chars in (True, False):
        table = FeatureTable([t.split() for t in texts], chars)
        feats = [features(t.split(), chars) for t in texts]
        words = dict.fromkeys(k for w, _ in feats for k in w)
        grams = dict.fromkeys(k for _, c in feats for k in c)
        vocab = {k: i for i, k in enumerate([*words, *grams])}
        assert list(table.vocab.items()) == list(vocab.items())
        assert table.block.tolist() == [0] * len(words) + [1] * len(grams)
        assert table.lens.tolist() == [len(w) + len(c) for w, c in feats]
        assert table.idx.tolist() == [vocab[k] for w, c in feats for k in [*w, *c]]
        assert table.tf.tolist() == [float(n) for w, c in feats for n in [*w.values(), *c.values()]]


@pytest.mark.parametrize("dense_entries", [bot.train.DENSE_ENTRIES, 0], ids=["matrix", "nonzeros only"])
def test_stored_intent_model_scores_like_a_plain_float_dot_product(
    dense_entries: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The router adds up 8-bit weights (in steps of each feature's own unit) with numpy, stored as a
    matrix or, for a huge pack, as each row's nonzero entries; the probabilities must be what the softmax
    over ordinary float sums gives, negative weights included, times the nearest-phrasing factor of
    `bot.intent.RERANK`."""
    monkeypatch.setattr(bot.train, "DENSE_ENTRIES", dense_entries)
    examples = [
        ("is there a season 2", "renewal"),
        ("has it been renewed", "renewal"),
        ("was it cancelled", "renewal"),
        ("where can i watch it", "streaming"),
        ("what platform is it on", "streaming"),
        ("is it on netflix", "streaming"),
        ("who plays the lead", "cast"),
        ("who is in the cast", "cast"),
    ]
    model = IntentModel.from_row(fit(examples).to_row())  # as stored and loaded
    weights = model.weights
    assert (len(weights.bounds) == 0) == (dense_entries > 0)
    rows = [weights.row(f) for f in {**features("renewed netflix lead".split())[0], "w:zzz": 1}]
    assert any(r is not None and any(v < 0 for v in r[1].values()) for r in rows)
    unknown_idf = float(weights.idf.max())

    def block(counts: dict[str, int], weight: float) -> list[float]:
        sums, norm2 = [0.0] * len(model.intents), 0.0
        for feature, tf in counts.items():
            row = weights.row(feature)
            norm2 += (tf * (row[0] if row is not None else unknown_idf)) ** 2
            for c, v in row[1].items() if row is not None else ():
                sums[c] += tf * v
        return [weight * s / math.sqrt(norm2) if norm2 else 0.0 for s in sums]

    for question in ("is it renewed for season 2", "where do i stream it", "who plays whom zzz", "qqq"):
        words = question.split()
        model_probs = dict(model.rank(words, limit=len(model.intents)).intents)
        word_feats, char_feats = features(words)
        scores = [
            b + w + c
            for b, w, c in zip(model.bias, block(word_feats, WORD_WEIGHT), block(char_feats, 1.0), strict=True)
        ]
        total = sum(math.exp(s) for s in scores)
        # Then the re-rank by nearest phrasing (RERANK covers these three intents).
        nearest = {
            intent: max(fuzz.ratio(question, text) for text, i in examples if i == intent) / 100
            for intent in model.intents
        }
        for intent, s in zip(model.intents, scores, strict=True):
            factor = math.exp(RERANK_WEIGHT * (nearest[intent] - max(nearest.values())))
            assert model_probs[intent] == pytest.approx(math.exp(s) / total * factor, abs=1e-9)


def test_features_with_the_same_key_fail_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows are found by 64-bit feature keys: two features of one pack with the same key would mix their
    weights, so fitting refuses (no real pair is known; the key is forced here)."""
    monkeypatch.setattr(bot.train, "FEATURE_KEYS", Remembered(lambda feature: 7, 1 << 10))
    with pytest.raises(ValueError, match="same 64-bit key"):
        fit([("is there a season 2", "renewal"), ("where can i watch it", "streaming")])


def test_a_stored_lexicon_tells_each_word_what_it_is_to_the_pack() -> None:
    """Loaded from its stored bytes, the lexicon gives a phrasing word, a stem of one, and a word of the
    answers their kinds, and nothing for a word the pack never saw."""
    stored = Lexicon.of(["renewed", "season"], ["paris", "season"]).blobs()
    lexicon = Lexicon.from_blobs(*stored)
    assert lexicon.kind("renewed") == PHRASING
    assert lexicon.kind("renew") == STEM
    assert lexicon.kind("season") == PHRASING | STEM | OTHER
    assert lexicon.kind("paris") == OTHER
    assert lexicon.kind("weather") == 0
    assert sorted(lexicon.items()) == [("paris", OTHER), ("renew", STEM), ("renewed", PHRASING), ("season", 7)]


def test_words_with_the_same_key_fail_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.intent, "feature_key", lambda word: 7)
    with pytest.raises(ValueError, match="same 64-bit key"):
        Lexicon.of(["season", "renewed"])


def test_stored_names_find_the_same_people() -> None:
    """Cast names are stored as flat text and their people decoded only when mentioned."""
    names = [("cheyenne toussaint", "qcharacter", "cheyenne"), ("cheyenne", "qcharacter", "cheyenne")]
    names += [("luke kirby", "qactor", "jack"), ("kirby", "qactor", "jack"), ("cheyenne", "qactor", "other")]
    matcher = NameMatcher.from_text(NameMatcher.from_names(names).to_text())
    words, found = matcher.fill_slots("who plays cheyenne toussaint".split())
    assert words == ["who", "plays", "qcharacter"]
    assert [(m.person_ids, m.start, m.end) for m in found] == [(("cheyenne",), 2, 4)]
    assert matcher.fill_slots("is luke kirbi in it".split())[0] == ["is", "qactor", "in", "it"]


def test_a_misspelt_name_takes_no_word_around_it() -> None:
    """Fuzzy matching spans only words that could be part of a name: "is cheyene" is near "cheyenne"
    too, and taking the "is" with it asked "who qcharacter" instead of "who is qcharacter"."""
    names = [(name, "qcharacter", "jack") for name in ("jack mcmillan", "mcmillan", "jack")]
    names.append(("cheyenne", "qcharacter", "c"))
    matcher = NameMatcher.from_names(names)
    assert matcher.fill_slots("who is cheyenne".split())[0] == ["who", "is", "qcharacter"]
    assert matcher.fill_slots("who is cheyene".split())[0] == ["who", "is", "qcharacter"]
    assert matcher.fill_slots("is cheyenne a dancer".split())[0] == ["is", "qcharacter", "a", "dancer"]
    # A first name spelt right and a surname spelt wrong are still one mention.
    words, found = matcher.fill_slots("who plays jack mcmilan".split())
    assert words == ["who", "plays", "qcharacter"]
    assert [(m.person_ids, m.start, m.end) for m in found] == [(("jack",), 2, 4)]
    assert matcher.fill_slots("jack and jack".split())[0] == ["qcharacter", "and", "qcharacter"]


@pytest.mark.parametrize("chars", [True, False])
def test_a_questions_remembered_features_are_its_features(chars: bool) -> None:
    """Ranking reads a question's features from per-word memos: the same keys, counts and order as
    `features` (the order fixes the float sums, so an answer cannot change with what was asked before)."""
    for text in ["", "a", "is etoile renewed renewed", "x y x y z", "who plays cheyenne lol", "étoile ñ 2"]:
        words = text.split()
        word_feats, char_feats = features(words, chars)
        expected = [*word_feats, *char_feats]
        for _ in range(2):  # computed, then remembered
            keys, tf, n_word = question_features(words, chars)
            assert keys.tolist() == [feature_key(f) for f in expected]
            assert tf.tolist() == [float(n) for n in [*word_feats.values(), *char_feats.values()]]
            assert n_word == len(word_feats)


def test_remembered_feature_keys_are_bounded() -> None:
    """Questions bring unbounded new words: the keys remembered for them are forgotten past a bound."""
    keys = Remembered(feature_key, 3)
    assert [keys[f] for f in ("w:a", "w:b", "w:c", "w:d")] == [feature_key(f) for f in ("w:a", "w:b", "w:c", "w:d")]
    assert len(keys) <= 3


def schema_4_fact_base(path: Path) -> None:
    """A fact base as showbot wrote it before schema 5 (fact sources in their own table, no packs table),
    holding one imported show: only the tables and columns a rebuild reads."""
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            create table meta (key text primary key, value text);
            insert into meta values ('schema_version', '4');
            create table shows (slug text primary key, title text, origin text, path text, facts integer);
            insert into shows values ('fan-club', 'Fan Club', 'import', 'faq.csv', 1);
            create table sources (show text, id text, title text, url text, outlet text, published text,
                                  reliability text);
            insert into sources values ('fan-club', 'src-1', 'Club news', 'https://club.example/news',
                                        'club.example', '2025-03-01', 'medium');
            create table facts (show text, id text, topic text, answer text, as_of text, spoiler integer,
                                current text, history text, question text);
            insert into facts values ('fan-club', 'meetup', 'meetup', 'Every first Saturday.', '2025-03-01', 0,
                                      'meetup', '[]', 'when is the meetup');
            create table fact_sources (show text, fact text, source text, position integer);
            insert into fact_sources values ('fan-club', 'meetup', 'src-1', 0);
            create table phrasings (show text, fact text, text text);
            insert into phrasings values ('fan-club', 'meetup', 'when is the meetup'),
                                         ('fan-club', 'meetup', 'when do fans meet');
            """
        )
    conn.close()


def test_a_build_over_an_older_fact_base_keeps_its_imported_shows(knowledge: Path, tmp_path: Path) -> None:
    """Upgrading showbot and rebuilding loses nothing: the imported show is read back and fitted again."""
    db = tmp_path / "old.db"
    schema_4_fact_base(db)
    report = build(knowledge, db)

    assert report.kept_imports == ("fan-club",)
    answer = Router(FactBase(db)).ask("when do the fans meet", AskContext(default_show="fan-club"))
    assert answer.status == "answered", answer
    assert "first saturday" in folded(answer.text)
    assert [s.url for s in answer.sources] == ["https://club.example/news"]
    assert_answers_renewal(db)


def test_import_into_an_older_fact_base_says_to_rebuild_first(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    schema_4_fact_base(db)
    sheet = tmp_path / "faq.csv"
    sheet.write_text("question,answer\nwhere do we meet,At the cafe.\n", encoding="utf-8")
    before = fingerprint(db)

    result = CliRunner().invoke(cli, ["import-faq", str(sheet), "--show", "cafe", "--db", str(db)])

    assert result.exit_code == 1
    assert "another showbot version: run `showbot build` first" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert fingerprint(db) == before


def test_import_into_a_file_that_is_not_a_fact_base_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "notes.db"
    junk.write_bytes(b"my notes, not a database\n" * 40)
    sheet = tmp_path / "faq.csv"
    sheet.write_text("question,answer\nwhere do we meet,At the cafe.\n", encoding="utf-8")

    result = CliRunner().invoke(cli, ["import-faq", str(sheet), "--show", "cafe", "--db", str(junk)])

    assert result.exit_code == 1
    assert "is not a showbot fact base" in result.output
    assert junk.read_bytes() == b"my notes, not a database\n" * 40
