"""PHONE_NUMBER: Presidio's phonenumbers-based recognizer, scored for email.

Stock Presidio scores every phone at 0.4 (below any sensible threshold) and finds them inside tracking
ids and order numbers. In mail a phone number is written to be dialled: international prefix, or
grouped digits, or a label ("call", "mobile", "Tel."). Those score as phones; a bare digit run glued
to letters or labelled as an order/tracking number does not.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumberType
from presidio_analyzer import RecognizerResult
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

from dlp.detect.catalogue import NOT_A_PHONE_LABEL

REGIONS = ("US", "GB", "DE", "FR", "IT", "ES", "CH", "AT", "NL", "BE", "IE", "CA", "AU", "IN")
PHONE_CONTEXT = re.compile(
    r"(?i)\b(?:phone|tel|telephone|mobile|cell|call|ring|text|sms|whatsapp|fax|hotline|contact|reach|dial|"
    r"telefon|handy|mobil|rufnummer|téléphone|portable|tél|appel\w*|telefono|cellulare|chiam\w*|"
    r"teléfono|móvil|movil|tfno|telf|telfs|tlf|tlfno|gsm|mob|llam\w*|numéro|number|nummer|numero|número)\b"
)
SSN_SHAPE = re.compile(r"^\d{3}-\d{2}-\d{4}$")
# Spain's social security number (NUSS/NAF) as printed: province, serial, check digits ("28 12345678 90").
NUSS_SHAPE = re.compile(r"^\d{2}[ /-]\d{7,8}[ /-]\d{2}$")
# A book's number: "ISBN 0-306-40615-2", "ISBN-13: 978-0-306-40615-7" (the label, or the shape and its check digit).
ISBN_LABEL = re.compile(r"(?i)\b(?:ISBN|ISSN|ISMN)(?:-?1[03])?\s*:?\s*$")
ISBN10_SHAPE = re.compile(r"^\d{1,5}-\d{1,7}-\d{1,7}-[\dX]$")
ISBN13_SHAPE = re.compile(r"^97[89]-\d{1,5}-\d{1,7}-\d{1,7}-\d$")
# "..., Oregon, 97212 4321": a ZIP+4 code written with a space after its state, not a phone number.
ZIP4_SPACED = re.compile(r"^\d{5} \d{4}$")
DATE_SHAPE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
GLUED = re.compile(r"[\w#/\-_.]")


MIN_PHONE_DIGITS = 6  # no dialable number in the served regions is shorter
_KERNEL_TIMESTAMP = re.compile(r"^\[\s*\d+\.\d+$")
_TIME_AFTER = re.compile(r":\d\d")  # "2019-10-31 04:15": a date and hour, never a phone
MASK = "|"  # neither a letter, a digit nor phone punctuation: a masked group joins nothing and glues to nothing


def mask_impossible_numbers(text: str) -> str:
    """`text` with every digit group that cannot be reported as a phone replaced by MASK (same length, so
    offsets hold): single tokens glued to a word (ids, hex, versions' tails), groups of fewer than
    MIN_PHONE_DIGITS digits, kernel-log timestamps. Kept groups keep one real character either side, which
    is all phonenumbers' own checks look at."""
    from phonenumbers.phonenumbermatcher import _PATTERN

    pieces: list[str] = []
    last = 0
    for match in _PATTERN.finditer(text):
        start, end = match.span()
        group = match.group(0)
        before = text[start - 1 : start]
        after = text[end : end + 1]
        glued = bool(before and GLUED.match(before) and before != ".") or bool(after and after.isalnum())
        # A glued group with a space inside can still hold a phone after the glued token ("ID12 +41 44 …").
        impossible = (
            (glued and not any(ch.isspace() for ch in group))
            or _TIME_AFTER.match(text, end) is not None
            or sum(ch.isdigit() for ch in group) < MIN_PHONE_DIGITS
            or _KERNEL_TIMESTAMP.match(group) is not None
        )
        if impossible:
            pieces.append(text[last:start])
            pieces.append(MASK * (end - start))
            last = end
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


class EmailPhoneRecognizer(PhoneRecognizer):
    SCORE_FORMATTED = 0.65
    SCORE_CONTEXT = 0.8
    SCORE_BARE = 0.4

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_language=supported_language, supported_regions=REGIONS, leniency=1, name="EmailPhoneRecognizer"
        )

    def analyze(self, text, entities, nlp_artifacts=None):
        # phonenumbers parses every digit group once per region (14 passes): on digit-dense text (a kernel
        # log, a CSV) that was minutes per megabyte. Groups this recognizer would discard anyway are masked
        # out first, so the regions only see the groups that can still become a phone number.
        results = super().analyze(mask_impossible_numbers(text), entities, nlp_artifacts)
        out: list[RecognizerResult] = []
        for result in results:
            span = text[result.start : result.end]
            before = text[max(0, result.start - 40) : result.start]
            after = text[result.end : result.end + 1]
            if (before and GLUED.match(before[-1]) and before[-1] not in ".") or (after and after.isalnum()):
                continue  # part of a longer token: a tracking id, a URL, a serial
            if before.endswith(("#", "-", "/")):
                continue
            if re.search(r"\d\.$", before) or "[" in span or "]" in span or re.match(r"-[^\W\d]", text[result.end :]):
                continue  # the tail of "drm 1.1.0 20060810", a kernel-log "[    0.844119] x86" read as an extension
            if NOT_A_PHONE_LABEL.search(before) and not PHONE_CONTEXT.search(before[-12:]):
                continue
            if SSN_SHAPE.match(span.strip()) or DATE_SHAPE.match(span.strip()):
                continue  # ###-##-#### is written for SSNs, never for phones
            if NUSS_SHAPE.match(span.strip()) or book_number(span.strip(), before) or us_zip4(span.strip(), before):
                continue
            if version_string(text, result.start, result.end):
                continue
            digits = sum(ch.isdigit() for ch in span)
            # "(0)" or "(415) ": an area code in brackets, not the bracket around an epoch "(1572565047)"
            bracketed_code = re.match(r"\s*\(\d{1,5}\)", span) is not None
            formatted = (
                span.lstrip().startswith(("+", "00")) or bracketed_code or bool(re.search(r"\d[\s.\-/)]\d", span))
            )
            if _business_line(span, REGIONS_BY_LANGUAGE.get(self.supported_language, ("US", "GB"))):
                score = self.SCORE_BARE  # toll-free and premium lines belong to businesses, never to a person
            elif PHONE_CONTEXT.search(before):
                score = self.SCORE_CONTEXT
            elif formatted and digits >= 7:
                score = self.SCORE_FORMATTED
            else:
                score = self.SCORE_BARE
            result.score = score
            # Scored here from the words in front; Presidio's context boost would lift every digit run.
            result.recognition_metadata[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
            out.append(result)
        return out


DOTTED = re.compile(r"v?\d+(?:\.\d+){2,}(?:[-+~:][\w.~+:-]*)?")


def version_string(text: str, start: int, end: int) -> bool:
    """A package or kernel version ("3.4.3-1~14.04.2", "0.100.0-16", "5.15.0-1034-azure"): dotted groups
    of which an inner one has a single digit, or a Debian "~". Dotted phone numbers group by 2-4 digits
    ("415.555.0100", "06.12.34.56.78"), with at most a one-digit country code first ("1.800.555.0199")."""
    lo = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start), text.rfind("\t", 0, start)) + 1
    hi = min(
        (i for i in (text.find(" ", end), text.find("\n", end), text.find("\t", end)) if i >= 0), default=len(text)
    )
    token = text[lo:hi].strip("()[]{},;\"'")
    if token.startswith("+"):
        return False
    if "~" in token and any(ch.isdigit() for ch in token):
        return True
    if not DOTTED.fullmatch(token):
        return False
    groups = re.split(r"[-+~:]", token, maxsplit=1)[0].lstrip("v").split(".")
    return any(len(group) == 1 for group in groups[1:])


def book_number(span: str, before: str) -> bool:
    """An ISBN after its label, or hyphenated as an ISBN is and carrying a valid ISBN check digit."""
    if ISBN_LABEL.search(before):
        return True
    digits = span.replace("-", "").upper()
    if ISBN10_SHAPE.match(span):
        total = sum((10 - i) * (10 if ch == "X" else int(ch)) for i, ch in enumerate(digits))
        return total % 11 == 0
    if ISBN13_SHAPE.match(span):
        total = sum(int(ch) * (3 if i % 2 else 1) for i, ch in enumerate(digits))
        return total % 10 == 0
    return False


def us_zip4(span: str, before: str) -> bool:
    """A ZIP+4 code with a space ("Oregon, 97212 4321"): five and four digits right after a US state."""
    if not ZIP4_SPACED.match(span):
        return False
    from dlp.detect.recognizers.street_address import address_data

    states = "|".join(re.escape(str(state)) for state in address_data()["us_states"])
    return re.search(rf"\b(?:{states}|(?i:zip(?:\s*code)?:?))\.?,?\s+$", before) is not None


BUSINESS_TYPES = frozenset(
    {PhoneNumberType.TOLL_FREE, PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST, PhoneNumberType.UAN}
)


REGIONS_BY_LANGUAGE = {
    "en": ("US", "GB"),
    "de": ("DE", "CH", "AT"),
    "fr": ("FR", "CH", "BE"),
    "it": ("IT", "CH"),
    "es": ("ES",),
}


def _business_line(span: str, regions: tuple[str, ...]) -> bool:
    """Toll-free/premium/shared-cost in the region the mail is most likely written from."""
    for region in regions:
        try:
            number = phonenumbers.parse(span, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.number_type(number) in BUSINESS_TYPES
    return False
