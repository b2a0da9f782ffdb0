"""EMAIL_ADDRESS written so that harvesters miss it: "jane.doe [at] example [dot] com", "jane (at) example.org",
"jane at example dot co dot uk", "jane@example DOT com".

Presidio's e-mail recognizer needs "@" and dots; people who spell the address out still send it, and it is
still the address. At least one part must be spelled out (a plain address is Presidio's). A bare " at " is
an ordinary word ("I work at example.com"), so it counts only with a spelled-out dot and a known top-level
domain at the end ("jane at example dot com"), and never after or before a function word ("look at the dot
com bubble").
"""

from __future__ import annotations

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult

# Top-level domains people spell out: generic ones and the country codes of the served regions and beyond.
TLDS = (
    "com|org|net|edu|gov|info|biz|io|eu|de|fr|it|es|ch|at|uk|nl|be|lu|ie|pt|pl|cz|se|no|dk|fi|ca|us|au|nz|in|"
    "br|mx|ar|ru|jp|cn|co|me|ai|dev|app"
)
BRACKET_AT = r"[ \t]*(?:\[[ \t]*at[ \t]*\]|\([ \t]*at[ \t]*\)|\{[ \t]*at[ \t]*\}|<[ \t]*at[ \t]*>)[ \t]*"
BRACKET_DOT = r"[ \t]*(?:\[[ \t]*dot[ \t]*\]|\([ \t]*dot[ \t]*\)|\{[ \t]*dot[ \t]*\}|<[ \t]*dot[ \t]*>)[ \t]*"
WORD_AT = r"[ \t]+(?:at|AT)[ \t]+"
WORD_DOT = r"[ \t]+(?:dot|DOT)[ \t]+"
LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
LOCAL = r"(?<![\w.@+-])[A-Za-z0-9][\w.+-]{0,63}"
# "name [at] host [dot] com" or "name [at] host.com" or "name@host [dot] com"
BRACKETED = regex.compile(
    rf"(?i:{LOCAL}(?:{BRACKET_AT}|@){LABEL}(?:(?:{BRACKET_DOT}|\.|{WORD_DOT}){LABEL})*(?:{BRACKET_DOT}|\.|{WORD_DOT})"
    rf"(?:{TLDS}))(?![\w.-]*@)(?!\w)"
)
# "name at host dot com": every dot spelled out
WORDED = regex.compile(rf"{LOCAL}{WORD_AT}{LABEL}(?:{WORD_DOT}{LABEL})*{WORD_DOT}(?i:{TLDS})(?!\w)")
FUNCTION_WORDS = frozenset(
    regex.findall(
        r"\S+",
        """a an the this that these those my your our his her their its look looking me us you him them it is are
        was were be here there where what who""",
    )
)
SCORE = 0.8
_SPELLED = regex.compile(r"(?i)dot|[\[({<][ \t]*at[ \t]*[\])}>]")


class ObfuscatedEmailRecognizer(EntityRecognizer):
    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=["EMAIL_ADDRESS"],
            name="ObfuscatedEmailRecognizer",
            supported_language=supported_language,
        )

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities, nlp_artifacts=None) -> list[RecognizerResult]:
        lowered = text.lower()
        if ("at" not in lowered and "@" not in text) or not _SPELLED.search(text):
            return []  # a plain search every spelled-out address needs
        out: dict[tuple[int, int], None] = {}
        for match in BRACKETED.finditer(text):
            value = match.group()
            if "@" in value and "." in value and not regex.search(r"(?i)dot|\[|\(|\{|<", value):
                continue  # a plain address: Presidio's
            out[match.span()] = None
        for match in WORDED.finditer(text):
            words = regex.split(r"[ \t]+", match.group())
            if any(w.lower() in FUNCTION_WORDS for w in words):
                continue
            out[match.span()] = None
        return [RecognizerResult("EMAIL_ADDRESS", start, end, SCORE) for start, end in out]
