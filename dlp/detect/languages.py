"""Which language a piece of mail is written in, so it is analysed with that language's recognizers.

lingua restricted to the languages dlp serves, in its low-accuracy mode (trigram models: 0.2 s to load
instead of 2.5 s, and reliable on the paragraph-length text we give it), says "not sure" rather than
guessing on short or mixed text; then the caller's language stands. Most mail is English: a paragraph
whose words are plainly English function words is decided without loading lingua at all.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

SERVED_LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "it", "es")
_WORDS = re.compile(r"\b[^\W\d_]{2,}\b")  # whole words: no letter runs out of hex tokens or ids
# Below this many words a guess is noise ("Dear Anna," reads as Italian to any detector).
MIN_WORDS = 4
MIN_PROSE_WORDS = 3  # lower-case words: prose has function words, a list of names has none
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _detector():
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in SERVED_LANGUAGES]
    return (
        LanguageDetectorBuilder.from_languages(*languages)
        .with_minimum_relative_distance(0.1)
        .with_low_accuracy_mode()
        .build()
    )


# Function words that are English and no other served language's.
_ENGLISH = frozenset(
    re.findall(
        r"\w+",
        "the and your you is for we our this with be are will please has have it that my can was not of to "
        "would should been which what when there their they them from could",
    )
)


def plainly_english(words: list[str]) -> bool:
    hits = sum(1 for w in words if w.lower() in _ENGLISH)
    return hits >= 3 and hits >= 0.2 * len(words)


def _without_addresses(text: str) -> str:
    """The text without mail addresses and URLs (they are not words of any language). Token by token, not
    a regex such as `\\S+@\\S+`: that backtracks quadratically over one long token (a 5 MB Subject of
    one word took minutes)."""
    return " ".join(token for token in text.split() if "@" not in token and "://" not in token)


_KNOWN_WORDS = 4096  # word sequences whose language is known: a campaign's windows differ in values, rarely in words
_known: dict[tuple[tuple[str, ...], str], str] = {}


def detect_language(text: str, default: str = "en") -> str:
    """The ISO 639-1 code of `text`'s language, or `default` when the text is too short or ambiguous."""
    words = _WORDS.findall(_without_addresses(text))
    if len(words) > 200:
        return _language_of_words(words, default)
    # The answer depends on the words alone: the value windows of a campaign share them (digits, tokens,
    # addresses and URLs are no words), so lingua runs once per distinct word sequence.
    key = (tuple(words), default)
    known = _known.get(key)
    if known is None:
        known = _language_of_words(words, default)
        if len(_known) >= _KNOWN_WORDS:
            _known.pop(next(iter(_known)))
        _known[key] = known
    return known


def _language_of_words(words: list[str], default: str) -> str:
    if len(words) < MIN_WORDS or sum(1 for w in words if w.islower()) < MIN_PROSE_WORDS:
        # Too short, or not prose: a To header or a list of names ("Anna Meyer, Ben Olsen, ...") has no
        # lower-case function words, and any detector's guess on it is noise (it read as German).
        return default
    if plainly_english(words[:200]):
        return "en" if "en" in SERVED_LANGUAGES else default
    sample = " ".join(words[:200])
    with _lock:
        language = _detector().detect_language_of(sample)
    if language is None:
        return default
    code = language.iso_code_639_1.name.lower()
    return code if code in SERVED_LANGUAGES else default
