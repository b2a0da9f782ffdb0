"""Messages read / scanned / unreadable / skipped by `dlp audit` per folder or file of a mail corpus,
against a true count taken independently (stdlib `mailbox` for mbox files, one per file otherwise).

    python scripts/corpus_counts.py /work/shared/corpus/mail [--python PY] [--pythonpath DIR]

Each entry of the corpus root is audited in its own `dlp audit ENTRY -f json` process, so the numbers
are what a user running that command sees.
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import json
import lzma
import mailbox
import os
import subprocess
import sys
import tempfile
from pathlib import Path

OPENERS = {b"\x1f\x8b": gzip.decompress, b"BZh": bz2.decompress, b"\xfd7zXZ": lzma.decompress}


def true_count(path: Path) -> int:
    """Messages in one file: an mbox counted by the stdlib, an Outlook .msg or any other file is one."""
    data = path.read_bytes()
    for magic, opener in OPENERS.items():
        if data.startswith(magic):
            data = opener(data)
    if data.lstrip().startswith(b"From "):
        with tempfile.NamedTemporaryFile(suffix=".mbox") as tmp:
            tmp.write(data)
            tmp.flush()
            return len(mailbox.mbox(tmp.name))
    return 1 if data.strip() else 0


def files_of(entry: Path) -> list[Path]:
    if entry.is_file():
        return [entry]
    return [p for p in sorted(entry.rglob("*")) if p.is_file() and not p.is_symlink()]


def truth(entry: Path) -> int:
    return sum(true_count(p) for p in files_of(entry))


def audit(entry: Path, python: str, pythonpath: str | None, save: Path | None = None) -> dict:
    env = {**os.environ, "COLUMNS": "200"}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    proc = subprocess.run(
        [python, "-m", "dlp", "audit", str(entry), "-f", "json", "-q"],
        capture_output=True,
        env=env,
        timeout=1800,
        cwd=tempfile.gettempdir(),
    )
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        (save / f"{entry.name}.json").write_bytes(proc.stdout or proc.stderr)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return {"exit": proc.returncode, "error": proc.stderr.decode("utf-8", "replace").strip()[-300:]}
    books = report.get("sections", {}).get("audit", {})
    out = {"exit": proc.returncode}
    out.update({k: books.get(k) for k in ("read", "scanned", "unreadable", "skipped", "damaged")})
    out["block_findings"] = report.get("summary", {}).get("findings", {}).get("block", 0)
    named = report.get("sections", {}).get("audit-skipped", {}).get("rows", [])
    out["skipped_named"] = len(named)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--pythonpath", default=None, help="run another checkout of dlp (e.g. main's code)")
    parser.add_argument("--save", type=Path, default=None, help="keep each entry's JSON report in this folder")
    args = parser.parse_args()
    columns = (
        "files",
        "truth",
        "read",
        "scanned",
        "unreadable",
        "skipped",
        "skipped_named",
        "damaged",
        "block_findings",
        "exit",
    )
    print("| entry | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    totals = dict.fromkeys(columns[:-1], 0)
    for entry in sorted(args.root.iterdir()):
        row = {
            "files": len(files_of(entry)),
            "truth": truth(entry),
            **audit(entry, args.python, args.pythonpath, args.save),
        }
        for key in totals:
            totals[key] += row.get(key) or 0
        print(f"| {entry.name} | " + " | ".join(str(row.get(c, "-")) for c in columns) + " |", flush=True)
        if "error" in row:
            print(f"|   error: {row['error']} |")
    print("| **total** | " + " | ".join(str(totals[c]) for c in columns[:-1]) + " | |")


if __name__ == "__main__":
    main()
