"""Scale: a generated knowledge folder of many shows (real TOML packs), its build time, database size,
router memory and per-question latency, against a 1-show database generated the same way."""

from __future__ import annotations

import gc
import json
import random
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bench.common import Result, all_cores, heading, latency_stats_ms, table, verdict

if TYPE_CHECKING:
    from bot.models import AskContext
    from bot.router import Router
    from bot.store import FactBase

SHOWS_FULL, SHOWS_QUICK = 1000, 50
FACTS_PER_SHOW, PHRASINGS_PER_FACT, PEOPLE_PER_SHOW = 50, 10, 8
TARGET_BUILD_S = 60.0
TARGET_RATIO = 2.0
# A budget that keeps fewer packs than the benchmark asks about (~75 of 1,000), so most questions load one:
# shown beside the default to price a host that keeps the fact base on disk.
SMALL_BUDGET_MB = 16

# Title words are disjoint from the fact and name vocabularies, so a title never hides inside a question.
TITLE_ADJECTIVES = (
    "silver crimson hollow quiet golden broken northern velvet iron amber scarlet midnight paper glass wild "
    "distant frozen burning hidden lonely copper emerald savage gentle restless ivory crooked electric ancient "
    "pale bitter silent wandering sunken painted forgotten endless shattered twisted southern"
).split()
TITLE_NOUNS = (
    "harbor kingdom orchard frontier garden circus empire river mountain station desert island valley city "
    "forest meadow tower canyon coast manor bridge palace highway prairie marsh citadel academy parish outpost "
    "republic"
).split()
SUBJECTS = (
    "dragon robot locket violin carriage telescope compass lantern diary painting sword crown necklace map "
    "letter photograph tattoo scar ring clock mirror statue ship submarine airship train motorcycle horse wolf "
    "raven owl falcon serpent bakery diner hospital prison school chapel library museum hotel casino farm "
    "factory mine laboratory bunker cave tunnel vault attic basement rooftop elevator wedding funeral trial "
    "heist election tournament festival parade banquet storm earthquake flood eclipse plague curse prophecy "
    "potion amulet treasure diamond briefcase envelope radio computer camera recorder poison helicopter truck "
    "canoe bicycle ghost witch detective mayor sheriff nurse teacher pilot captain chef butler twins orphan "
    "soldier spy queen prince"
).split()
# Ten aspects, each with more frames (" | "-separated) than a fact uses, so test questions can be unseen wordings.
_FRAMES = {
    "origin": (
        "where did the {s} come from | what is the origin of the {s} | how did the {s} first show up | "
        "who created the {s} | backstory of the {s} | {s} origin story | where does the {s} originate | "
        "explain where the {s} came from | how did the {s} begin | what is the {s} backstory | "
        "who brought the {s} into the story | why is there a {s} at all"
    ),
    "fate": (
        "what happens to the {s} | does the {s} survive | is the {s} destroyed | how does the {s} end up | "
        "{s} fate | what becomes of the {s} | do we see the {s} again | is the {s} gone for good | "
        "final scene with the {s} | does the {s} come back | what happened to the {s} in the end | "
        "is the {s} lost forever"
    ),
    "filming": (
        "where was the {s} scene filmed | where did they shoot the {s} scenes | {s} filming location | "
        "which town was the {s} shot in | where is the {s} set in real life | "
        "was the {s} filmed on a set | real location of the {s} | where can i visit the {s} location | "
        "where did they film the {s} | is the {s} location a real place | what studio built the {s} | "
        "location of the {s} shoot"
    ),
    "music": (
        "what song plays during the {s} scene | {s} scene song | music in the {s} scene | "
        "what is the track with the {s} | who sings the song at the {s} | soundtrack for the {s} moment | "
        "name of the song when the {s} appears | what tune plays over the {s} | {s} music | "
        "which artist did the {s} song | song from the {s} part | what was playing during the {s}"
    ),
    "meaning": (
        "what does the {s} symbolize | meaning of the {s} | what is the {s} supposed to represent | "
        "is the {s} a metaphor | symbolism of the {s} | why does the {s} matter | "
        "what does the {s} stand for | hidden meaning behind the {s} | {s} explained | "
        "what is the point of the {s} | theory about the {s} | what is the deal with the {s}"
    ),
    "real": (
        "is the {s} real | was a real {s} used | is the {s} cgi | is the {s} a prop | "
        "did they use a real {s} | is the {s} practical effects | how did they make the {s} | "
        "is the {s} computer generated | {s} special effects | was the {s} built for the show | "
        "is that {s} genuine | how was the {s} created on screen"
    ),
    "episode": (
        "which episode has the {s} | what episode is the {s} in | when does the {s} first appear | "
        "first appearance of the {s} | {s} episode number | in which chapter do we see the {s} | "
        "how many episodes feature the {s} | when do we first see the {s} | episode with the {s} | "
        "when is the {s} introduced | which part shows the {s} | where does the {s} debut"
    ),
    "owner": (
        "who owns the {s} | whose {s} is it | who does the {s} belong to | owner of the {s} | "
        "who has the {s} now | who inherits the {s} | who bought the {s} | {s} owner | who gets the {s} | "
        "who stole the {s} | who keeps the {s} | who controls the {s}"
    ),
    "secret": (
        "what is the secret of the {s} | what is hidden in the {s} | {s} secret | what is the {s} hiding | "
        "what mystery surrounds the {s} | is there a twist about the {s} | "
        "what do we learn about the {s} | what is the truth about the {s} | reveal about the {s} | "
        "what is inside the {s} | what nobody knows about the {s} | big reveal of the {s}"
    ),
    "cost": (
        "how much did the {s} cost | budget for the {s} | how expensive was the {s} | {s} price | "
        "what did the {s} cost to make | was the {s} expensive | cost of the {s} scene | "
        "how much money went into the {s} | price tag of the {s} | did the {s} blow the budget | "
        "{s} budget | how pricey was the {s}"
    ),
}
ASPECTS: dict[str, tuple[str, ...]] = {k: tuple(v.split(" | ")) for k, v in _FRAMES.items()}
ANSWERS = {
    "origin": "was brought in by {n} in the first episode",
    "fate": "ends up with {n} after the finale",
    "filming": "scenes were filmed on location with {n}",
    "music": "scene is scored with a track by {n}",
    "meaning": "stands for what {n} lost, the writers say",
    "real": "is a practical prop built by {n}",
    "episode": "first appears in an episode directed by {n}",
    "owner": "belongs to {n}",
    "secret": "hides a letter from {n}",
    "cost": "cost more than any other prop, according to {n}",
}
FIRST_NAMES = (
    "ada boris celia dmitri elena farid greta hugo iris jonas kira lionel maya nestor olga pavel quinn rosa "
    "silas tamsin ulrich vera wendell xenia yusuf zora agnes bruno clara dario esme felix gloria hector ines "
    "jasper lena marco nadia oscar"
).split()
LAST_NAMES = (
    "abernathy bellweather castellano dunmore eriksen fairweather galloway holloway ibarra jankowski kowalczyk "
    "lindqvist moreau nakamura okonkwo pellegrini quartermaine rasmussen sorensen takahashi underwood vasquez "
    "whitlock yamamoto zielinski achterberg bouchard calloway delacroix espinoza fontaine"
).split()


@dataclass(frozen=True)
class GenFact:
    id: str
    subject: str
    aspect: str
    questions: tuple[str, ...]
    unseen: tuple[str, ...]  # frames of the aspect not used as phrasings


@dataclass(frozen=True)
class GenPerson:
    id: str
    actor: str
    character: str


@dataclass(frozen=True)
class GenShow:
    slug: str
    title: str
    alias: str
    facts: tuple[GenFact, ...]
    people: tuple[GenPerson, ...]


def titles() -> list[tuple[str, str]]:
    """Distinct (adjective, noun) title pairs in a fixed pseudo-random order."""
    pairs = [(a, n) for a in TITLE_ADJECTIVES for n in TITLE_NOUNS]
    random.Random(42).shuffle(pairs)
    return pairs


def generate_show(i: int, pair: tuple[str, str]) -> GenShow:
    """Show number `i`: the same output for the same `i`, whatever the total number of shows."""
    rng = random.Random(f"show-{i}")
    adjective, noun = pair
    facts = []
    for subject in rng.sample(SUBJECTS, FACTS_PER_SHOW // 2):
        for aspect in rng.sample(sorted(ASPECTS), 2):
            frames = list(ASPECTS[aspect])
            rng.shuffle(frames)
            used, unseen = frames[:PHRASINGS_PER_FACT], frames[PHRASINGS_PER_FACT:]
            facts.append(
                GenFact(
                    f"{aspect}-{subject}",
                    subject,
                    aspect,
                    tuple(f.format(s=subject) for f in used),
                    tuple(f.format(s=subject) for f in unseen),
                )
            )
    people = []
    firsts = rng.sample(FIRST_NAMES, 2 * PEOPLE_PER_SHOW)
    lasts = rng.sample(LAST_NAMES, 2 * PEOPLE_PER_SHOW)
    for k in range(PEOPLE_PER_SHOW):
        actor = f"{firsts[2 * k].title()} {lasts[2 * k].title()}"
        character = f"{firsts[2 * k + 1].title()} {lasts[2 * k + 1].title()}"
        people.append(GenPerson(f"{firsts[2 * k]}-{lasts[2 * k]}", actor, character))
    return GenShow(
        f"the-{adjective}-{noun}",
        f"The {adjective.title()} {noun.title()}",
        f"{adjective} {noun}",
        tuple(facts),
        tuple(people),
    )


def generate_shows(count: int) -> list[GenShow]:
    return [generate_show(i, pair) for i, pair in enumerate(titles()[:count])]


def _s(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _list(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(_s(v) for v in values) + "]"


def write_pack(show: GenShow, root: Path) -> int:
    """Write knowledge/<slug>/{show,sources,facts,people}.toml; returns the bytes written."""
    folder = root / show.slug
    folder.mkdir(parents=True)
    files = {
        "show.toml": f"title = {_s(show.title)}\naliases = {_list([show.alias])}\n",
        "sources.toml": "".join(
            f'[[sources]]\nid = {_s(sid)}\ntitle = {_s(f"{show.title}: {what}")}\noutlet = "Synthetic Weekly"\n'
            f"url = {_s(f'https://example.org/{show.slug}/{sid}')}\npublished = 2025-0{n + 1}-15\n"
            f'reliability = "high"\n\n'
            for n, (sid, what) in enumerate((("guide", "episode guide"), ("interview", "showrunner interview")))
        ),
        "facts.toml": "".join(
            f"[[facts]]\nid = {_s(f.id)}\nquestions = {_list(f.questions)}\n"
            f"answer = {_s(_answer(show, f, n))}\nas_of = 2025-03-01\n"
            f"sources = [{_s('guide' if n % 2 else 'interview')}]\n\n"
            for n, f in enumerate(show.facts)
        ),
        "people.toml": "".join(
            f"[[people]]\nid = {_s(p.id)}\nactor = {_s(p.actor)}\ncharacter = {_s(p.character)}\n"
            f'character_aliases = {_list([p.character.split()[0].lower()])}\nsources = ["guide"]\n\n'
            for p in show.people
        ),
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return sum(len(t.encode()) for t in files.values())


def _answer(show: GenShow, fact: GenFact, n: int) -> str:
    person = show.people[n % len(show.people)]
    return f"In {show.title}, the {fact.subject} " + ANSWERS[fact.aspect].format(n=person.character) + "."


def questions_for(shows: list[GenShow], count: int, seed: str) -> list[tuple[str, str]]:
    """(question naming a random show, expected fact_id): 40% a fact's own phrasing, 40% a wording the
    fact does not list, 20% cast questions; the show's name before, after or inside parentheses."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        show = rng.choice(shows)
        kind = rng.random()
        if kind < 0.2:
            p = rng.choice(show.people)
            if rng.random() < 0.5:
                q, expected = f"who plays {p.character.split()[0].lower()}", f"@actor-of-character:{p.id}"
            else:
                q, expected = f"who does {p.actor.lower()} play", f"@character-of-actor:{p.id}"
        else:
            f = rng.choice(show.facts)
            q, expected = rng.choice(f.unseen if kind >= 0.6 and f.unseen else f.questions), f.id
        name = rng.choice((show.title, show.title.lower(), show.alias))
        out.append((rng.choice((f"{q} in {name}", f"{name}: {q}", f"{q} ({name})")), expected))
    return out


def _rss_kib() -> int:
    try:
        for raw in Path("/proc/self/status").read_text().splitlines():
            if raw.startswith("VmRSS:"):
                return int(raw.split()[1])
    except OSError:
        pass
    return 0


def _distinct_show_questions(shows: list[GenShow], n_shows: int) -> Iterator[str]:
    for show in shows[:n_shows]:
        for f in show.facts[:5]:
            yield f"{f.questions[0]} in {show.title}"


def measure_memory(db: Path, shows: list[GenShow]) -> Result:
    """Router memory after opening it and answering 5 questions about each of 20 different shows."""
    from bot.router import Router
    from bot.store import FactBase

    n_shows = min(20, len(shows))
    questions = list(_distinct_show_questions(shows, n_shows))
    gc.collect()
    rss0 = _rss_kib()
    router = Router(FactBase(db))
    rss_open = _rss_kib()
    for q in questions:
        router.ask(q)
    rss_after = _rss_kib()
    del router
    gc.collect()
    tracemalloc.start()
    router = Router(FactBase(db))
    open_bytes, _ = tracemalloc.get_traced_memory()
    for q in questions:
        router.ask(q)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    mib = 1024 * 1024
    return {
        "shows_loaded": n_shows,
        "tracemalloc_open_mib": round(open_bytes / mib, 2),
        "tracemalloc_current_mib": round(current / mib, 2),
        "tracemalloc_peak_mib": round(peak / mib, 2),
        "per_loaded_show_mib": round((current - open_bytes) / n_shows / mib, 3),
        "rss_delta_open_mib": round((rss_open - rss0) / 1024, 2),
        "rss_delta_total_mib": round((rss_after - rss0) / 1024, 2),
    }


def _warm_up(router: Router, questions: list[tuple[str, str]], context: AskContext) -> Result:
    """Ask every question once, untimed but for the first question about each show (which loads its pack)."""
    clock = time.perf_counter_ns
    first_touch = []
    seen: set[str] = set()
    for q, _ in questions:
        t0 = clock()
        answer = router.ask(q, context)
        elapsed = clock() - t0
        if answer.show and answer.show not in seen:
            seen.add(answer.show)
            first_touch.append(elapsed)
    return {
        "shows_asked_about": len(seen),
        "first_question_per_show_median_ms": round(sorted(first_touch)[len(first_touch) // 2] / 1e6, 3)
        if first_touch
        else None,
    }


def _timed(router: Router, questions: list[tuple[str, str]], context: AskContext, timings: list[int]) -> int:
    """Ask the questions, appending each one's time to `timings`; returns how many got their expected fact."""
    clock = time.perf_counter_ns
    correct = 0
    for q, expected in questions:
        t0 = clock()
        answer = router.ask(q, context)
        timings.append(clock() - t0)
        correct += answer.status == "answered" and answer.fact_id == expected
    return correct


def measure_latency(db: Path, questions: list[tuple[str, str]], budget_mb: int | None = None) -> Result:
    """Warm-up pass (loads every show asked about, timed separately), then one timed pass.

    `budget_mb` None: the shipped memory budget for loaded packs (`SHOWBOT_PACK_MEMORY_MB`'s default)."""
    from bot.models import AskContext
    from bot.router import Router
    from bot.store import FactBase

    gc.collect()
    base = FactBase(db) if budget_mb is None else FactBase(db, budget_mb << 20)
    router = Router(base)
    context = AskContext()
    warm = _warm_up(router, questions, context)
    timings: list[int] = []
    correct = _timed(router, questions, context, timings)
    return {
        **latency_stats_ms(timings),
        **warm,
        **_loaded(base),
        "answered_correctly": round(correct / len(questions), 4),
    }


def _loaded(base: FactBase) -> Result:
    """How many packs the timed pass left loaded, and their stored size (memory is ~1.15x that)."""
    return {"packs_loaded": len(base.loaded), "packs_loaded_mib": round(base.loaded_bytes / 2**20, 1)}


def paired_latency(
    db: Path, questions: list[tuple[str, str]], reference_db: Path, reference: list[str], block: int = 200
) -> tuple[Result, Result]:
    """`measure_latency` of the random-show questions (shipped defaults) and the Étoile reference's
    latency, timed in alternating blocks of `block` questions in one process after a warm-up pass of each.
    The target compares the two medians, and on a shared host the same code runs 30% slower from one
    minute to the next: measured minutes apart, the ratio measured the host as much as the router."""
    from bot.models import AskContext
    from bot.router import Router
    from bot.store import FactBase

    gc.collect()
    many, etoile = Router(FactBase(db)), Router(FactBase(reference_db))
    context = AskContext()
    warm = _warm_up(many, questions, context)
    reference_questions = [(reference[n % len(reference)], "") for n in range(len(questions))]
    _warm_up(etoile, [(q, "") for q in reference], context)
    timings: list[int] = []
    reference_timings: list[int] = []
    correct = 0
    for start in range(0, len(questions), block):
        correct += _timed(many, questions[start : start + block], context, timings)
        _timed(etoile, reference_questions[start : start + block], context, reference_timings)
    return {
        **latency_stats_ms(timings),
        **warm,
        **_loaded(many.base),
        "answered_correctly": round(correct / len(questions), 4),
    }, {"questions": len(reference), **latency_stats_ms(reference_timings)}


def _latency_row(label: str, r: Result) -> list[object]:
    first = r.get("first_question_per_show_median_ms", r.get("first_question_ms"))
    correct = r.get("answered_correctly")
    kept = f"{r['packs_loaded']} ({r['packs_loaded_mib']})" if "packs_loaded" in r else "-"
    return [
        label,
        r["n"],
        r["shows_asked_about"],
        kept,
        f"{r['median_ms']:.3f}",
        f"{r['p99_ms']:.3f}",
        f"{r['mean_ms']:.3f}",
        f"{first:.1f}" if first is not None else "-",
        f"{100 * correct:.1f}%" if correct is not None else "-",
    ]


def _progress(message: str) -> None:
    print(f"  ... {message}", flush=True)


def build_generated(shows: list[GenShow], work: Path, name: str) -> Result:
    from bot.build import build

    knowledge, db = work / f"{name}-knowledge", work / f"{name}.db"
    started = time.perf_counter()
    toml_bytes = sum(write_pack(s, knowledge) for s in shows)
    write_s = time.perf_counter() - started
    with all_cores() as cores:  # latency is measured on one core; a build uses what the machine has
        started = time.perf_counter()
        report = build(knowledge, db)
        build_s = time.perf_counter() - started
    return {
        "db": str(db),
        "shows": report.shows,
        "facts": report.facts,
        "phrasings": report.phrasings,
        "people": report.people,
        "toml_mib": round(toml_bytes / 2**20, 1),
        "toml_write_seconds": round(write_s, 2),
        "build_seconds": round(build_s, 2),
        "build_cores": cores,
        "db_mib": round(db.stat().st_size / 2**20, 1),
    }


def run(quick: bool = False) -> Result:
    from bench.etoile import build_etoile
    from bench.latency import ETOILE_PARAPHRASES, etoile_latency, eval_questions

    n_shows = SHOWS_QUICK if quick else SHOWS_FULL
    n_questions = 500 if quick else 2000
    heading(f"Scale: {n_shows:,} generated shows x {FACTS_PER_SHOW} facts x {PHRASINGS_PER_FACT} phrasings")
    shows = generate_shows(n_shows)
    out: Result = {"shows": n_shows, "questions": n_questions}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        work = Path(tmp)
        etoile_db = work / "etoile.db"
        build_etoile(etoile_db)
        out["etoile_alone"] = etoile_latency(etoile_db, 2000)  # measured first, on a small heap
        _progress(f"writing {n_shows:,} packs and building them ...")
        big = out["many"] = build_generated(shows, work, "many")
        one = out["one"] = build_generated(shows[:1], work, "one")
        big_db, one_db = Path(big.pop("db")), Path(one.pop("db"))
        _progress(f"built in {big['build_seconds']:.1f} s; measuring memory and latency ...")
        out["memory"] = measure_memory(big_db, shows)
        show0 = questions_for(shows[:1], n_questions, "scale-questions")
        random_questions = questions_for(shows, n_questions, "scale-questions")
        big["latency"], out["etoile_reference"] = paired_latency(
            big_db, random_questions, etoile_db, [*eval_questions(), *ETOILE_PARAPHRASES]
        )
        big["latency_small_budget"] = measure_latency(big_db, random_questions, budget_mb=SMALL_BUDGET_MB)
        big["latency_show0"] = measure_latency(big_db, show0)  # a fresh router: only show 0 loaded
        one["latency"] = measure_latency(one_db, show0)
    etoile_median = out["etoile_reference"]["median_ms"]
    ratio = big["latency"]["median_ms"] / etoile_median
    out["ratio_to_etoile_median"] = round(ratio, 2)
    ratio_small_budget = big["latency_small_budget"]["median_ms"] / etoile_median
    out["ratio_to_etoile_median_small_budget"] = round(ratio_small_budget, 2)
    out["ratio_many_to_one_median"] = round(big["latency"]["median_ms"] / one["latency"]["median_ms"], 2)
    out["ratio_many_to_one_median_same_questions"] = round(
        big["latency_show0"]["median_ms"] / one["latency"]["median_ms"], 2
    )
    build_ok = big["build_seconds"] < TARGET_BUILD_S
    projected = big["build_seconds"] * SHOWS_FULL / n_shows
    out["build_seconds_projected_full"] = round(projected, 1)
    table(
        ["database", "shows", "facts", "phrasings", "people", "TOML MiB", "build s", "cores", "DB MiB"],
        [
            [
                label,
                r["shows"],
                f"{r['facts']:,}",
                f"{r['phrasings']:,}",
                f"{r['people']:,}",
                r["toml_mib"],
                f"{r['build_seconds']:.2f}",
                r["build_cores"],
                r["db_mib"],
            ]
            for label, r in ((f"{n_shows:,} shows", big), ("1 show", one))
        ],
        title="Build (bot.build.build on real TOML packs)",
    )
    et = out["etoile_reference"]
    table(
        [
            *("Router.ask, naming a show", "timings", "shows", "kept (MiB)"),
            *("median ms", "p99 ms", "mean ms", "1st q/show ms", "correct"),
        ],
        [
            _latency_row(f"{n_shows:,}-show db, random shows", big["latency"]),
            _latency_row(f"  same, SHOWBOT_PACK_MEMORY_MB={SMALL_BUDGET_MB}", big["latency_small_budget"]),
            _latency_row(f"{n_shows:,}-show db, show 0 only", big["latency_show0"]),
            _latency_row("1-show db (show 0)", one["latency"]),
            _latency_row("Étoile pack (reference, paired)", {**et, "shows_asked_about": 1}),
            _latency_row("  same, measured alone first", {**out["etoile_alone"], "shows_asked_about": 1}),
        ],
        title="Per-question latency (warm: after a pass that loads each show's pack; '1st q/show' is that load)",
    )
    mem = out["memory"]
    print(
        f"\nRouter memory ({mem['shows_loaded']} shows loaded): tracemalloc {mem['tracemalloc_open_mib']} MiB after "
        f"opening, {mem['tracemalloc_current_mib']} MiB after ({mem['per_loaded_show_mib']} MiB per show), "
        f"peak {mem['tracemalloc_peak_mib']} MiB; RSS +{mem['rss_delta_total_mib']} MiB"
    )
    table(
        ["target", "measured", "met"],
        [
            [f"build < {TARGET_BUILD_S:.0f} s (1,000 shows)", f"{big['build_seconds']:.1f} s", verdict(build_ok)]
            if not quick
            else [
                f"build < {TARGET_BUILD_S:.0f} s (1,000 shows; --quick: linear projection)",
                f"~{projected:.0f} s",
                "n/a",
            ],
            [f"median <= {TARGET_RATIO:.0f}x Étoile median", f"{ratio:.2f}x", verdict(ratio <= TARGET_RATIO)],
            [
                f"(info) the same with SHOWBOT_PACK_MEMORY_MB={SMALL_BUDGET_MB} (not the default)",
                f"{ratio_small_budget:.2f}x",
                "",
            ],
            ["(info) many-show / 1-show median, random shows", f"{out['ratio_many_to_one_median']:.2f}x", ""],
            [
                "(info) many-show / 1-show median, same questions",
                f"{out['ratio_many_to_one_median_same_questions']:.2f}x",
                "",
            ],
        ],
        title="Targets",
    )
    out["targets"] = {"build_seconds_max": TARGET_BUILD_S, "median_ratio_to_etoile_max": TARGET_RATIO}
    return out
