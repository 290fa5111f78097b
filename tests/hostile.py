"""A corpus of hostile questions, shared by the router, normalisation and adapter tests.

Each must get an answer (any status) without an exception, without pinging anyone, and within the
platform's limits.
"""

from __future__ import annotations

HOSTILE_QUESTIONS: dict[str, str] = {
    "empty": "",
    "whitespace": " \t\n\r  \u00a0\u2003 ",
    "huge": "is there a season 2? " * 5000,  # ~100,000 characters
    "huge-one-word": "a" * 100_000,
    "nul-bytes": "who plays\x00 cheyenne\x00?",
    "control-chars": "is there\x07\x08\x1b[31m a season 2?\x7f",
    "invalid-utf8-decoded": b"is there a season \xff\xfe 2?".decode("utf-8", errors="replace"),
    "lone-surrogate": "who plays \ud800 cheyenne",
    "rtl-override": "who plays \u202echeyenne\u202c?",
    "zero-width": "is\u200b there\u200d a sea\u200cson 2\ufeff?",
    "zalgo": "i\u0337\u0321s\u0336\u0322 t\u0335\u0327h\u0334e\u0338r\u0337e\u0336 a season 2?" + "\u0336" * 300,
    "emoji-only": "🎬🍿🤔❓",
    "sql": "'; DROP TABLE facts; --",
    "sql-like": "who plays % and _ or 1=1",
    "format-string": "{0} {__class__} %s %(x)s %n ${HOME} {{}}",
    "html": "<script>alert(1)</script> is there a season 2?",
    "markdown": "**bold** `code` ||spoiler|| ~~strike~~ > quote [link](http://evil.example)",
    "discord-everyone": "@everyone is there a season 2?",
    "discord-here": "@here who plays cheyenne?",
    "discord-mentions": "<@123456789012345678> <@!123456789012345678> <@&987654321098765432> <#111> who plays jack?",
    "discord-zero-width-everyone": "@\u200beveryone season 2?",
    "slack-channel": "<!channel> is there a season 2?",
    "slack-here-everyone": "<!here> <!everyone> who plays cheyenne",
    "slack-user": "<@U012ABCDEF> <#C012345|general> <!subteam^S123|team> season 2?",
    "slack-link": "<https://evil.example|click me> who plays jack",
    "angle-brackets": "<<<>>> & &amp; &lt;!channel&gt;",
    "newlines": "is there\n\n\n\n\na season\n2?",
    "tabs-and-cr": "who\tplays\r\ncheyenne",
    "only-punctuation": "?!?!...,,,;;;",
    "numbers": "2 2 2 2 2 2 2 2",
    "long-word-mix": "supercalifragilistic" * 50 + " season 2",
    "non-latin": "誰がシャイアンを演じていますか",
    "arabic": "من يلعب دور شايان؟",
    "mixed-scripts": "who plays Сheyenne",  # Cyrillic С
    "private-use": "\ue000\ue001 season 2",
    "noncharacters": "\uffff\ufffe season 2",
}
