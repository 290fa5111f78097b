"""Text normalisation shared by the knowledge compiler and the router.

Phrasings and questions go through the same function, so whatever it folds ("Étoile"/"etoile",
"s2"/"season two", "whats"/"what's") can never make a question and its phrasing disagree.
"""

from __future__ import annotations

import re
import unicodedata

from bot.memo import Remembered

MAX_QUESTION_CHARS = 500

# Platform markup that must never reach matching or be echoed back: user/role/channel mentions and
# broadcast pings (Slack "<!channel>", Discord "@everyone"), and links.
_PLATFORM_MARKUP = re.compile(
    r"<[@#!][^>\s]{0,80}>"  # <@U123>, <@!123>, <@&role>, <#C1|general>, <!channel>, <!here|here>
    r"|@(?:everyone|here|channel)\b"
    r"|https?://\S+"
    r"|<a?:\w{1,40}:\d{1,30}>"  # Discord custom emoji <:name:123>
    r"|<(script|style)\b[^>]{0,200}>.{0,2000}?</\1\s*>"  # pasted HTML: a script's or style's text is no question
    r"|</?[a-z][a-z0-9]{0,10}\b[^<>]{0,200}>",  # and its other tags: <b>, </p>, <img src=...>
    re.IGNORECASE,
)

_CONTRACTIONS = {
    "won't": "will not",
    "can't": "cannot",
    "n't": " not",
    "'re": " are",
    "'s": " is",
    "'d": " would",
    "'ll": " will",
    "'ve": " have",
    "'m": " am",
}
_CONTRACTION_RE = re.compile(r"won't|can't|n't|'re|'s|'d|'ll|'ve|'m\b")

# Chat spellings and apostrophe-less contractions, word by word.
_CHAT = {
    "whats": "what is",
    "wats": "what is",
    "wat": "what",
    "wen": "when",
    "wut": "what",
    "wheres": "where is",
    "whos": "who is",
    "hows": "how is",
    "whens": "when is",
    "whys": "why is",
    "thats": "that is",
    "isnt": "is not",
    "wasnt": "was not",
    "arent": "are not",
    "werent": "were not",
    "wont": "will not",
    "cant": "cannot",
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "havent": "have not",
    "hasnt": "has not",
    "shouldnt": "should not",
    "wouldnt": "would not",
    "couldnt": "could not",
    "theyre": "they are",
    "youre": "you are",
    "ive": "i have",
    "im": "i am",
    "theres": "there is",
    "u": "you",
    "ur": "your",
    "r": "are",
    "ya": "you",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "ty": "thanks",
    "wanna": "want to",
    "gonna": "going to",
    "gotta": "got to",
    "tho": "though",
    "cuz": "because",
    "coz": "because",
    "bc": "because",
    "abt": "about",
    "rn": "right now",
    "ppl": "people",
    "ep": "episode",
    "eps": "episodes",
    "szn": "season",
    "ssn": "season",
    "seasn": "season",
    "amzn": "amazon",
    "b4": "before",
    "2day": "today",
    "tmrw": "tomorrow",
    "pic": "picture",
    "info": "information",
    "ok": "okay",
    "mom": "mother",
    "mum": "mother",
    "dad": "father",
    "bf": "boyfriend",
    "gf": "girlfriend",
    "saison": "season",  # French fans of a show set in Paris: "Étoile saison 2 ?"
    # Slang for cancelling a show: "why'd they axe it".
    "axe": "cancel",
    "axed": "cancelled",
    "axing": "cancelling",
    "nixed": "cancelled",
    # A show "greenlit" was ordered: "what year did amazon greenlight etoile".
    "greenlight": "order",
    "greenlit": "ordered",
    "greenlighted": "ordered",
    # One spelling per word on both sides of the Atlantic.
    "canceled": "cancelled",
    "canceling": "cancelling",
    "cancelation": "cancellation",
    "theatre": "theater",
    "favourite": "favorite",
    "colour": "color",
    "programme": "program",
    "realise": "realize",
}

_NUMBER_WORDS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
}
_ORDINALS = {
    "first": "1",
    "second": "2",
    "third": "3",
    "fourth": "4",
    "fifth": "5",
    "sixth": "6",
    "1st": "1",
    "2nd": "2",
    "3rd": "3",
    "4th": "4",
    "5th": "5",
    "6th": "6",
}
_ORDINAL_SEASON = re.compile(r"\b(" + "|".join(_ORDINALS) + r") (season|series)\b(?! \d)")
_SEASON_ABBREV = re.compile(r"\bs(\d{1,2})(?:\s?e(\d{1,3}))?\b")
_SEASON_GLUED = re.compile(r"\b(season|series|episode)(\d{1,3})\b")
_SERIES_N = re.compile(r"\bseries (\d{1,2})\b")
_REPEATS = re.compile(r"(.)\1{2,}")
_NON_WORD = re.compile(r"[^a-z0-9' ]+")


def fold(text: str) -> str:
    """Lowercase and strip accents: "Étoile" and "etoile" must be the same word."""
    if text.isascii():  # most text: nothing to decompose (saves a pass per character)
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text).casefold()
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return folded.replace("œ", "oe").replace("æ", "ae").replace("ø", "o").replace("ł", "l")


def strip_markup(text: str) -> str:
    """Remove mentions, broadcast pings, custom emoji and links, keeping the words around them."""
    return _PLATFORM_MARKUP.sub(" ", text)


def sanitize(text: str) -> str:
    """Drop control and other invisible characters that binary or hostile input carries."""
    if text.isascii() and text.isprintable():  # most questions: nothing to drop (saves a pass per character)
        return text
    return "".join(c if c.isprintable() else " " for c in text if unicodedata.category(c) not in ("Cs", "Co"))


# A sentence ends at ".", "!" or "?" before a space or the message's end, or at a line break; a "." after a
# title or an initial ("Mrs. Maisel", "J. Smith") ends nothing.
_SENTENCE_END = re.compile(r"([.!?]+)(?=\s|$)|\n")
_TITLES = frozenset("mr mrs ms dr st vs jr sr".split())


def sentences(text: str) -> list[str]:
    """The message's sentences, each with its end mark: "loved it! is there a s2?" is two."""
    out: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if m.group(1) == ".":
            before = text[start : m.start()].split()
            if before and (before[-1].lower() in _TITLES or len(before[-1]) == 1):
                continue
        piece = text[start : m.end()].strip()
        if piece:
            out.append(piece)
        start = m.end()
    rest = text[start:].strip()
    return [*out, rest] if rest else out


def normalize(text: str) -> str:
    """The canonical form of a question or phrasing: lowercase ASCII words separated by one space.

    Every phrasing of every pack goes through here at build time, and every question at least once, so
    passes that cannot apply are skipped (no quote: no contraction; no "s2" or "season2": no season
    rewrite), and each word's own rewrites are remembered (`_WORDS`).
    """
    if "<" in text or "@" in text or "://" in text:
        text = strip_markup(text)
    t = fold(text)
    if "'" in t or "’" in t or "‘" in t or "`" in t:
        t = t.replace("’", "'").replace("‘", "'").replace("`", "'")
        t = _CONTRACTION_RE.sub(lambda m: _CONTRACTIONS[m.group(0)], t)
    words = [_WORDS[w] for w in _NON_WORD.sub(" ", t).replace("'", " ").split()]
    t = " ".join(words)
    # Each rewrite below ends on a word ending in a digit ("s2", "season2", "s1e2") or needs an ordinal
    # or "series" word: most questions need none, and each pass over the text costs as much as the rest.
    if any(w[-1] <= "9" and w[0] in "se" for w in words):
        t = _SEASON_GLUED.sub(r"\1 \2", t)
        t = _SEASON_ABBREV.sub(
            lambda m: f"season {int(m.group(1))}" + (f" episode {int(m.group(2))}" if m.group(2) else ""),
            t,
        )
    if ("season" in t or "series" in t) and not _ORDINALS.keys().isdisjoint(words):
        t = _ORDINAL_SEASON.sub(lambda m: f"season {_ORDINALS[m.group(1)]}", t)
    if "series" in t:
        t = _SERIES_N.sub(r"season \1", t)
    return t


def _word(word: str) -> str:
    """One word's canonical form: "sooo" -> "soo", "whats" -> "what is", "two" -> "2"."""
    word = _REPEATS.sub(r"\1\1", word)
    return _CHAT.get(word, _NUMBER_WORDS.get(word, word))


_WORDS = Remembered(_word, 1 << 14)


_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def human_date(iso: str | None) -> str:
    """ "2025-06-06" -> "6 June 2025": unambiguous for readers on both sides of the Atlantic."""
    if not iso:
        return "undated"
    year, month, day = iso.split("-")
    return f"{int(day)} {_MONTHS[int(month) - 1]} {year}"
