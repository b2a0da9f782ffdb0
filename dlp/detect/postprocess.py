"""Email-specific clean-up of Presidio results: what stock Presidio gets wrong on customer mail.

- PERSON from a small spaCy model: acronyms, role words ("Lessee"), product names ("Pixel") and lone
  capitalised words are tagged as names. A name the model is sure of in mail is either two or more
  capitalised words ("Maria Rossi") or one word after a salutation or title ("Dear Anna", "Mr Smith");
  a lone word without that gets a score below the reporting threshold instead of being dropped, so a
  caller who wants everything still can.
- Numbers that look like an SSN or a bank number but are labelled as an order, invoice or tracking
  number ("Order 123-45-6789") are that, not a government id.
"""

from __future__ import annotations

import re

import regex

from dlp.detect.catalogue import ORDER_NUMBER_LABEL
from dlp.detect.name_lexicon import TITLES
from dlp.detect.recognizers.introduced_name import CUE

_ACRONYM = re.compile(r"^[A-Z0-9]{2,5}s?$")
_HAS_LETTER = re.compile(r"[^\W\d_]")
# The cues that introduce a name in mail (shared with the recognizer that finds names after them), plus
# sign-offs, after which a lone first name is the writer's.
SALUTATION = re.compile(
    rf"(?i)(?:\b{CUE}|\b(?:thanks|thank\s+you|regards|cheers|sincerely|best|from|by|agent|advisor|adviser|"
    r"manager|signed|attn|c/o)\.?,?:?)\s*$"
)


# Words spaCy's small models tag as PERSON in contracts and receipts; never a person's name on their own.
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


NOT_NAMES = _words(
    """
    store shop app apps building floor room network wi-fi hub portal online plus pro ultra mini lite
    office department desk centre center square mall station airport terminal
    service program programme plan premium basic standard edition series model version update release
    lessee lessor tenant landlord licensee licensor borrower lender buyer seller customer client user
    member subscriber holder cardholder policyholder guarantor contractor party parties recipient sender
    applicant account admin administrator support team staff manager agent owner employee employer
    beneficiary valued sir madam friend friends all everyone colleague colleagues partner partners pixel
    galaxy iphone ipad macbook imac airpods kindle alexa echo surface xbox playstation android windows
    chrome gmail outlook excel word teams zoom slack netflix spotify paypal venmo visa mastercard amex
    firefox safari opera edge brave vivaldi linux ubuntu debian fedora macos ios ipados chromeos
    maestro password passwort login username iban swift bic pin otp ssn dob tin vat faq api url qr sim
    esim wifi gdpr insurance telecom bank energy mobile services group ltd inc llc gmbh corp company
    solutions systems airlines airways hotel hotels pharmacy java devs folks paciente médico servicio centro
    hospital clínica clinica salud carretera avda calle
    """
)
# A name run that ends in a place word, or starts with a saint's prefix, is a place: "Sandy Creek",
# "Trafalgar Dock", "San Jose", "Santa Clara". Not words that are common surnames too (Park, Lake, Church).
PLACE_WORDS = _words(
    """
    creek bay dock docks river mountain mount valley island islands county cathedral university college school
    museum stadium festival convention harbour harbor
    """
)
PLACE_PREFIXES = _words("san santa santo são sankt saint sainte st. ste.")
# Weekdays and months as log and date lines abbreviate them: spaCy reads "[Sat Jun 20 07:27:13 2020]" as a name.
CALENDAR = _words(
    """
    mon tue tues wed thu thur thurs fri sat sun monday tuesday wednesday thursday friday saturday sunday jan feb
    mar apr may jun jul aug sep sept oct nov dec january february march april june july august september
    october november december
    """
)

# Presidio ids whose patterns match any number of the right length; in mail they are only that id when
# the text names it nearby.
CONTEXT_REQUIRED = {
    "UK_NHS": re.compile(r"(?i)\bnhs\b"),
    "DE_TAX_ID": re.compile(r"(?i)steuer|\btax\b|identifikationsnummer|\bidnr\b|\btin\b"),
    "MEDICAL_LICENSE": re.compile(r"(?i)\bdea\b|licen[cs]e"),
    "US_BANK_NUMBER": re.compile(r"(?i)\b(?:bank|account|acct|routing|checking|savings)\b"),
    "US_PASSPORT": re.compile(r"(?i)passport"),
    "US_DRIVER_LICENSE": re.compile(r"(?i)driver|licen[cs]e|\bdl\b"),
    "US_ITIN": re.compile(r"(?i)\bitin\b|taxpayer"),
}


def has_required_context(entity_type: str, text: str, start: int) -> bool:
    pattern = CONTEXT_REQUIRED.get(entity_type)
    return pattern is None or bool(pattern.search(text[max(0, start - 60) : start]))


def plausible_person(text: str, cased: bool = True) -> bool:
    """A name has letters and (unless `cased` is False: a display name, 'abdullah alamoudi') an upper-case
    letter; no digits, no address syntax, not an acronym."""
    stripped = text.strip(" .,:;'\"")
    if not stripped or not _HAS_LETTER.search(stripped) or any(ch.isdigit() for ch in stripped):
        return False
    if _ACRONYM.match(stripped):
        return False
    if "@" in stripped or "/" in stripped or "\n" in stripped or "_" in stripped:
        return False
    words = stripped.split()
    if any(bare_word(w).lower() in NOT_NAMES for w in words):
        return False
    if all(w.lower().strip(".,") in TITLES for w in words) or all(w.lower().strip(".,") in CALENDAR for w in words):
        return False
    if len(words) > 1 and (words[-1].lower().strip(".,") in PLACE_WORDS or words[0].lower() in PLACE_PREFIXES):
        return False
    return not cased or any(word[:1].isupper() for word in words)


_POSSESSIVE = re.compile(r"['’]s?$")


def bare_word(word: str) -> str:
    """A word without the punctuation around it and its possessive ending: "Hayes's," -> "Hayes"."""
    return _POSSESSIVE.sub("", word.strip(".,:;'\"’")).strip(".,:;'\"’")


# Words that start a name span only because they were written before the name: a title ("Dr Kent Brantly"),
# a greeting ("Hi Nelson", "¡Vamos Alberto"), a retweet marker ("RT EnyaPallett").
LEADING_NOT_NAME = _words("hi hello hey dear thanks thank cheers welcome congrats congratulations bye rt vamos ciao")
LEADING_TITLES = TITLES - {"don", "ing", "sr", "miss"}  # "Don Johnson" is a given name


def trimmed_person(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without what a name run picked up around the name: role or place words after it ("Víctor
    Asensio Sánchez Servicio"), a possessive ending ("John Baird's"), a title or greeting before it ("Dr Kent
    Brantly", "Hi Nelson"), and the headline words after a full name ("Edward Snowden Got Asylum")."""
    while True:
        span = text[start:end]
        last = span.rsplit(None, 1)
        if len(last) == 2 and last[1].lower().strip(".,:;") in NOT_NAMES:
            end = start + len(last[0].rstrip())
            continue
        possessive = _POSSESSIVE.search(span)
        if possessive and possessive.start() > 1:
            end = start + possessive.start()
            continue
        first = span.split(None, 1)
        if len(first) == 2 and bare_word(first[0].lstrip("¡¿")).lower() in LEADING_TITLES | LEADING_NOT_NAME:
            start = end - len(first[1])
            continue
        words = span.split()
        if len(words) >= 3 and _headline_word(words[-1]):
            end = start + len(span.rsplit(None, 1)[0].rstrip(" -–,"))
            continue
        return start, end


def _headline_word(word: str) -> bool:
    """A capitalised ordinary English word that no name list holds as a strong name ("Got", "Asylum", "LIVE"):
    after two name words, a title-case headline's next word, not the name's third part."""
    from dlp.detect.name_lexicon import STRONG, english_word, lexicon

    bare = bare_word(word)
    return bool(bare) and english_word(bare) and lexicon().any_name(bare.capitalize()) != STRONG


def person_score(text: str, start: int, end: int, score: float) -> float:
    """Keep the score for multi-word, introduced or listed names; lower it for another lone capitalised word."""
    words = [w for w in text[start:end].split() if w[:1].isupper()]
    if len(words) >= 2:
        return score
    if SALUTATION.search(text[max(0, start - 25) : start]):
        return score
    if words and listed_name(words[0]) and not placed(text, start, end):
        return score
    # Mid-sentence, a capitalised word in no list and no dictionary ("Bobick") or a name that is also a word
    # ("Lily", "Trump") is the name the model took it for.
    alone = len(text[start:end].split()) == 1  # "din Linux": a lower-case word inside is no name's
    if words and alone and (unknown_word(words[0]) or listed_name(words[0], weak=True)) and in_prose(text, start, end):
        return score if not placed(text, start, end) else min(score, 0.6)
    return min(score, 0.6)


_INNER_CAPITAL = re.compile(r"[a-zà-ÿ][A-ZÀ-Þ]")  # "BreakingNews", "LaurenEllisHall": a hashtag or handle


# Mid-sentence: after a lower-case word or a comma on the same line, where a capital marks a name, not the
# start of a sentence, a heading or a log message ("AH00111: Config variable", "Nullam sed dui").
_MID_SENTENCE = regex.compile(r"(?:(?<![\w'’-])\p{Ll}[\p{Ll}'’-]*|,)[ \t]+$")
# Words after which a capitalised word is a tool, not a person: "using Firefox", "on Ubuntu", "via Zoom".
_TOOL_BEFORE = regex.compile(
    r"(?i)\b(?:using|via|on|into|onto|install(?:ed|ing)?|run(?:s|ning)?|open(?:ed|ing)?|download(?:ed|ing)?|"
    r"upgrad(?:e|ed|ing)|updat(?:e|ed|ing)|enabl(?:e|ed|ing)|launch(?:ed|ing)?)[ \t]+$"
)


def in_prose(text: str, start: int, end: int) -> bool:
    """A capitalised word in the middle of a sentence that the text never writes in lower case ("when Budjana
    moved"; not "that Gradle is open source" in a mail that also runs `gradle build`)."""
    before = text[max(0, start - 30) : start]
    if not _MID_SENTENCE.search(before) or _TOOL_BEFORE.search(before):
        return False
    return not _written_lower(text, text[start:end].lower())


def _written_lower(text: str, word: str) -> bool:
    """`word` (lower case) stands alone somewhere in `text`: a plain search, linear in the text."""
    at = text.find(word)
    while at >= 0:
        before, after = text[at - 1 : at] if at else "", text[at + len(word) : at + len(word) + 1]
        if not _joins(before, "._-") and not _joins(after, "_-"):
            return True
        at = text.find(word, at + 1)
    return False


def _joins(char: str, joiners: str) -> bool:
    return bool(char) and (char.isalnum() or char in joiners)


def unknown_word(word: str) -> bool:
    """A capitalised word that is no ordinary English word, written as a name is written (not shouted, no inner
    capitals, not glued to digits): "Putin", "Bobick", "Calabi". spaCy's PERSON for such a word is kept; for an
    ordinary word ("Horizon", "Player", "Nationally") the capital may be the sentence's or a heading's."""
    from dlp.detect.name_lexicon import english_word

    bare = bare_word(word)
    if len(bare) < 3 or not bare[:1].isupper() or bare.isupper() or _INNER_CAPITAL.search(bare):
        return False
    return not any(english_word(part) or len(part) < 2 for part in bare.split("-"))


# Words before and after a lone capitalised word that make it a place, not a person: "at our Austin store",
# "in Florence", "nach Jackson". Cities named after people are common; a person is rarely "at our X".
_PLACE_BEFORE = re.compile(
    r"(?i)\b(?:in|at|near|from|to|our|the|your|de|du|des|à|au|aux|nach|aus|bei|im|en|a|da|di|del|della|per)\s+$"
)
_PLACE_AFTER = re.compile(
    r"(?i)^\s+(?:store|shop|office|branch|area|airport|station|street|road|city|campus|hotel|centre|center|"
    r"location|team|site|plant|warehouse|county|region|district|filiale|magasin|agence|negozio|tienda|sucursal)\b"
)


def placed(text: str, start: int, end: int) -> bool:
    return bool(_PLACE_BEFORE.search(text[max(0, start - 12) : start]) or _PLACE_AFTER.match(text[end : end + 14]))


def listed_name(word: str, weak: bool = False) -> bool:
    """A lone word that the name lists hold and that is no ordinary English word ("Guido", "Kowalski"); with
    `weak`, also a name that is a word too ("Lily", "Ben")."""
    from dlp.detect.name_lexicon import STRONG, lexicon

    word = bare_word(word)
    found = lexicon().any_name(word)
    return not word.isupper() and (found == STRONG or (weak and found > 0))  # "ENGLAND" in an address: no name


def labelled_as_other_id(text: str, start: int) -> bool:
    return bool(ORDER_NUMBER_LABEL.search(text[max(0, start - 40) : start]))


# Structurally validated or labelled entities beat a phone-shaped or NER guess over the same characters:
# "EA 04 73 07 A" is a NINO, not the phone "04 73 07"; "Williams Rd" inside an address is the address.
SPECIFIC = frozenset(
    {
        "EMAIL_ADDRESS",
        "IBAN_CODE",
        "CREDIT_CARD",
        "CH_AHV",
        "FR_INSEE",
        "IT_FISCAL_CODE",
        "ES_NIF",
        "ES_NIE",
        "UK_NINO",
        "US_SSN",
        "CREDENTIAL",
        "DATE_OF_BIRTH",
        "STREET_ADDRESS",
        "ACCOUNT_NUMBER",
        "DE_TAX_ID",
        "US_ITIN",
    }
)


def overlap_rank(entity_type: str, score: float, length: int) -> tuple:
    if entity_type in SPECIFIC and score >= 0.5:
        tier = 0
    elif entity_type == "NATIONAL_ID":
        tier = 0.5  # labelled, so above a phone-shaped guess; a checksum-validated id of a country is more exact
    elif entity_type == "PERSON":
        tier = 2
    else:
        tier = 1
    return (tier, -score, -length)


GLUE = re.compile(r"[^\W_]")


def glued(text: str, start: int, end: int) -> bool:
    """A value whose span runs into letters or digits is a piece of a longer token (a tracking id)."""
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return bool((before and GLUE.match(before)) or (after and GLUE.match(after)))
