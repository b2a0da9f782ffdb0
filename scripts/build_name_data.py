"""Build dlp's compact given-name and surname lists (dlp/detect/data/names/) from the names-dataset package.

names-dataset (Philippe Remy, https://github.com/philipperemy/name-dataset, Apache-2.0) holds 730,000 first
and 980,000 last names with their popularity rank per country; loading it takes ~25 s and ~2 GB, far too
much for a scanner. dlp needs only the names common in the countries whose mail it reads, plus a flag for
names that are also ordinary words ("Will", "Rose", "Brown"), which need more evidence before they count.

Reproduce (the word lists are Debian's wamerican and wbritish packages):

    pip download --no-deps names-dataset==3.3.1 -d /tmp/nd && unzip -q /tmp/nd/names_dataset-*.whl -d /tmp/nd/x
    python scripts/build_name_data.py /tmp/nd/x/names_dataset/v3
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import pickle
import re
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "dlp" / "detect" / "data" / "names"
# Countries whose mail dlp is used on, plus the countries of origin common among their residents.
def _split(text: str) -> list[str]:
    return text.split()


COUNTRIES = _split(
    "US GB IE CA AU NZ ZA DE AT CH FR BE LU IT ES PT BR MX AR CO CL PE NL SE NO DK FI IS PL CZ SK HU GR RO BG "
    "HR SI RS TR IN PK BD NG EG MA DZ TN SA AE IL RU UA CN HK TW JP KR PH VN ID MY SG"
)
FIRST_MAX_RANK = 2500
LAST_MAX_RANK = 4000
# English words are what capitalised headings, sentence starts and product names are made of ("Will",
# "Mark", "Brown"); a surname that is also an Italian adjective ("Rossi") is still a name in mail.
WORD_LISTS = ("american-english", "british-english")
# Calendar and sign-off words are capitalised in the word lists (so not caught as ordinary words) and some
# are given names too ("by Friday", "am Montag", "Sun Nov  3 23:36:58 2002" in a diff, "Beste Grüße").
CALENDAR = _split(
    """
monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
september october november december montag dienstag mittwoch donnerstag freitag samstag sonntag januar
februar märz juni juli oktober dezember lundi mardi mercredi jeudi vendredi samedi dimanche janvier février
mars avril mai juin juillet août septembre octobre novembre décembre lunedì martedì mercoledì giovedì venerdì
sabato domenica gennaio febbraio aprile maggio giugno luglio agosto settembre ottobre dicembre lunes martes
miércoles jueves viernes sábado domingo enero febrero marzo abril mayo junio julio septiembre octubre
noviembre diciembre christmas easter mon tue tues wed thu thur thurs fri sat sun jan feb mar apr jun jul aug
sep sept oct nov dec beste grüße grüsse gruß gruss herzliche saluti saludos cordialement cordiali
"""
)
NAME = re.compile(r"^[^\W\d_][^\W\d_'’\-]*(?:[-'’][^\W\d_]+)*$")


def common_words() -> set[str]:
    words: set[str] = set()
    for name in WORD_LISTS:
        path = Path("/usr/share/dict") / name
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line and line[0].islower() and "'" not in line:
                words.add(line.lower())
    words.update(CALENDAR)
    for lang in ("en", "de", "fr", "it", "es", "pt", "nl"):
        words |= {w.lower() for w in importlib.import_module(f"spacy.lang.{lang}.stop_words").STOP_WORDS}
    return words


def select(path: Path, max_rank: int) -> list[str]:
    with gzip.open(path) as f:
        data = pickle.load(f)
    out = []
    for name, info in data.items():
        ranks = [r for c, r in info.get("rank", {}).items() if c in COUNTRIES and r]
        if ranks and min(ranks) <= max_rank and NAME.match(name) and len(name) >= 2 and name[0].isupper():
            out.append(name)
    return sorted(out)


def _write_gz(path: Path, lines: list[str]) -> None:
    """Byte-for-byte reproducible (no timestamp in the gzip header)."""
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as f:
        f.write(("\n".join(lines) + "\n").encode("utf-8"))


def write(name: str, names: list[str], words: set[str]) -> None:
    lines = [("*" if n.lower() in words else "") + n for n in names]
    _write_gz(OUT / f"{name}.txt.gz", lines)
    print(f"{name}: {len(names)} names, {sum(line.startswith('*') for line in lines)} also common words")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path, help="names_dataset/v3 directory (first_names.pkl.gz, last_names.pkl.gz)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    words = common_words()
    write("first_names", select(args.dataset / "first_names.pkl.gz", FIRST_MAX_RANK), words)
    write("last_names", select(args.dataset / "last_names.pkl.gz", LAST_MAX_RANK), words)
    # The common English words themselves: a capitalised word after a given name that is one of these
    # ("Daniel Street", "Maria Theresa" is not) is not an unlisted surname.
    english = sorted(w for w in words if w.isalpha())
    _write_gz(OUT / "english_words.txt.gz", english)
    print(f"english_words: {len(english)}")


if __name__ == "__main__":
    main()
