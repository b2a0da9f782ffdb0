"""Precision on clean real mail: how many received messages get a block finding, and which warnings fire.

Reads every message of the given corpora itself (stdlib `mailbox` for mbox files, one file = one message
otherwise), so the numbers measure the checks, not the archive reader; each corpus is scanned as one
audit (archive-level rules such as shared-address see the whole corpus). Usage:

    .venv/bin/python scripts/measure_clean_mail.py [--dump findings.jsonl] NAME=PATH [NAME=PATH ...]

PATH is an mbox file, a message file, or a folder (walked; a file that starts with a `From ` line is split
as an mbox, gzip'd files are opened; empty files are not messages). The dump has one JSON line per finding
with its raw value and 80 characters of context, for judging by hand: it holds personal data of the
corpus, so write it outside the repository. Each line has an `id` (a hash of corpus, message, field, kind,
value and occurrence), stable across runs and code changes, so a judgement file can name findings by id
(`tools/eval/received_warnings_judged.json`, sampled by `scripts/sample_warnings.py`).

The clean set measured for issue 13 (773 messages): ../shared/corpus/mail (ponymail, mime4j-rlug,
imap_tools, enmime, stalwart-dovecot) plus list mail that is GPL or unlicensed, so read for measuring only
and never vendored:
- getpatchwork/patchwork @ 644cef7c : patchwork/tests/data/{mail,series}/*.mbox (120 messages);
- mricon/b4 @ 1f2f768 : src/tests/samples/*.mbox (70 messages);
- copslock/kenerl_mipsel_loongson @ 1d0fd3243 (a public-inbox mirror of the linux-mips list, one message
  per commit in file `m`, 84,099 commits): every 200th commit of `git rev-list HEAD`, 420 messages
  from 1996 to 2019, one `<commit>.eml` each.
Later rounds added corpora (mikel-mail, mimekit, mu-maildir; sisimai-bsd, perceval, hyperkitty,
php-mime-mail-parser, zbateson-mmp): docs/real-mail.md names each source and commit. Run it with
`PYTHONPATH=.` from the repository root (a script's own folder is first on `sys.path`, not the root).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import mailbox
import sys
import tempfile
from collections import Counter
from pathlib import Path

from dlp.checks import load_ruleset
from dlp.checks.scope import ScanScope
from dlp.model import Severity
from dlp.pipeline import Scanner
from dlp.sources.email_message import parse_bytes, to_scan_message


def messages_in(path: Path) -> list[tuple[str, bytes]]:
    if path.is_dir():
        out: list[tuple[str, bytes]] = []
        for child in sorted(path.rglob("*")):
            if child.is_file():
                out.extend(messages_in(child))
        return out
    data = path.read_bytes()
    if data.startswith(b"\x1f\x8b"):
        data = gzip.decompress(data)
    if not data.strip():
        return []
    if data.startswith(b"From "):
        with tempfile.NamedTemporaryFile(suffix=".mbox") as tmp:
            tmp.write(data)
            tmp.flush()
            box = mailbox.mbox(tmp.name, create=False)
            return [(f"{path}#{i}", box.get_bytes(key)) for i, key in enumerate(box.keys(), 1)]
    return [(str(path), data)]


def finding_id(corpus: str, finding, seen: Counter) -> str:
    """Stable across runs: what the finding is and where, plus its rank among identical ones."""
    loc = finding.location
    key = "\x1f".join(str(x) for x in (corpus, loc.source, loc.field, finding.rule, finding.entity_type, finding.value))
    seen[key] += 1
    return hashlib.sha1(f"{key}\x1f{seen[key]}".encode()).hexdigest()[:12]


def context_of(message, finding) -> str:
    for part in message.parts:
        if part.field == finding.location.field and finding.value and finding.value in part.text:
            at = part.text.index(finding.value)
            return part.text[max(0, at - 80) : at + len(finding.value) + 40].replace("\n", "⏎")
    return ""


class RecordingScanner(Scanner):
    """Keeps every finding before aggregation, so each message's own findings can be counted."""

    raw: list

    def findings_for(self, analyzed):
        findings = super().findings_for(analyzed)
        self.raw.extend((analyzed.message, f) for f in findings)
        return findings

    def finish(self):
        findings = super().finish()
        self.raw.extend((None, f) for f in findings)
        return findings


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpora", nargs="+", help="NAME=PATH")
    parser.add_argument("--dump", type=Path)
    args = parser.parse_args()
    ruleset = load_ruleset([])
    dump = args.dump.open("w") if args.dump else None
    totals: Counter = Counter()
    by_class: Counter = Counter()
    warn_by_class: Counter = Counter()
    for spec in args.corpora:
        name, _, raw_path = spec.partition("=")
        messages = []
        for index, (label, data) in enumerate((item for p in raw_path.split(",") for item in messages_in(Path(p))), 1):
            try:
                messages.append(to_scan_message(parse_bytes(data), index=index, source=label))
            except Exception as exc:  # counted, not fatal: the reader's robustness is another measure
                print(f"  unparsable {label}: {type(exc).__name__}", file=sys.stderr)
        scanner = RecordingScanner.create(ruleset, ScanScope(rules=ruleset, source=name), workers=0)
        assert isinstance(scanner, RecordingScanner)
        scanner.raw = []
        scanner.scan(messages)
        blocked: set = set()
        archive_blocks = 0
        by_index = {m.index: m for m in messages}
        seen: Counter = Counter()
        for message, finding in scanner.raw:
            message = message or by_index.get(finding.location.message)
            kind = f"{finding.rule}:{finding.entity_type}" if finding.entity_type else finding.rule
            if finding.severity == Severity.BLOCK:
                by_class[kind] += 1
                if message is None:
                    archive_blocks += 1
                else:
                    blocked.add(message.index)
            elif finding.severity == Severity.WARN:
                warn_by_class[kind] += 1
            if dump:
                dump.write(
                    json.dumps(
                        {
                            "id": finding_id(name, finding, seen),
                            "corpus": name,
                            "source": finding.location.source,
                            "field": finding.location.field,
                            "severity": finding.severity.value,
                            "kind": kind,
                            "count": finding.count,
                            "value": finding.value,
                            "message": finding.message,
                            "context": context_of(message, finding) if message else "",
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
        share = len(blocked) / len(messages) if messages else 0.0
        print(
            f"{name}: {len(messages)} messages, {len(blocked)} with a block finding ({share:.1%}), "
            f"{archive_blocks} archive-level block findings"
        )
        totals["messages"] += len(messages)
        totals["blocked"] += len(blocked)
        totals["archive_blocks"] += archive_blocks
    share = totals["blocked"] / totals["messages"] if totals["messages"] else 0.0
    print(
        f"TOTAL: {totals['messages']} messages, {totals['blocked']} with a block finding ({share:.2%}), "
        f"{totals['archive_blocks']} archive-level block findings"
    )
    print("block findings by class:", dict(by_class.most_common()))
    print("warn findings by class:", dict(warn_by_class.most_common()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
