"""The `dlp` command (Typer). The only module that knows about Typer; it parses options, calls the API,
picks a reporter and maps the verdict to an exit code (0 pass/warn, 1 block, 2 bad input)."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from dlp.errors import InputError
from dlp.model import Report
from dlp.policy import exit_code
from dlp.reporters import OutputFormat, write_report

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
_STARTED = time.perf_counter()  # fallback for the wall time when the process start time is unknown

HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(
    name="dlp",
    help="Data-loss-prevention scanner for outgoing bulk email. Exit codes: 0 pass/warn, 1 block, 2 bad input.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings=HELP_OPTIONS,
)
rules_app = typer.Typer(help="Show or validate rule files.", no_args_is_help=True, context_settings=HELP_OPTIONS)
app.add_typer(rules_app, name="rules")

FormatOpt = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="Report format.", envvar="DLP_FORMAT", case_sensitive=False)
]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to FILE.")]
RulesOpt = Annotated[
    list[Path] | None,
    typer.Option("--rules", help="Extra or overriding rules file (repeatable).", envvar="DLP_RULES"),
]
ShowValuesOpt = Annotated[
    bool, typer.Option("--show-values", help="Print unredacted personal values (off by default).")
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        envvar="DLP_SCHEDULER",
        help="Run on a Dask cluster: the scheduler's address (tcp://host:8786); the report is the same as on "
        "one machine. Default: this machine.",
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Only the verdict line (rich) and no progress bar.")]
FailOnOpt = Annotated[
    str, typer.Option("--fail-on", help="Lowest severity that exits 1: block (default) or warn.", case_sensitive=False)
]


def _version(value: bool) -> None:
    if value:
        from dlp import __version__

        typer.echo(f"dlp {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", callback=_version, is_eager=True)
    ] = False,
) -> None:
    """Data-loss-prevention scanner for outgoing bulk email. Exit codes: 0 pass/warn, 1 block, 2 bad input."""


def _fail(message: str) -> None:
    from dlp.redact import strip_controls  # a file name in the message must not drive the terminal

    typer.echo(f"dlp: error: {strip_controls(message)}", err=True)
    raise typer.Exit(EXIT_ERROR)


def _guard(action: Callable[[], int]) -> None:
    """Run a command; bad input becomes one paragraph and exit 2, never a traceback."""
    try:
        with _interrupt_noted() as interrupted:
            code = action()
            if interrupted:  # Ctrl-C landed in a finalizer, where Python prints and drops it: still Ctrl-C
                raise KeyboardInterrupt
    except InputError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        typer.echo("dlp: interrupted", err=True)
        raise typer.Exit(130) from None
    except typer.Exit:
        raise
    except Exception as exc:
        if os.environ.get("DLP_DEBUG"):
            traceback.print_exc()
        where = _raised_at(exc)
        _fail(f"internal error: {type(exc).__name__}{where} (set DLP_DEBUG=1 for the traceback; please report it)")
    else:
        raise typer.Exit(code)


@contextmanager
def _interrupt_noted() -> Iterator[list[int]]:
    """Ctrl-C raises KeyboardInterrupt as always, and is also noted: one that arrives while Python runs an
    object's finalizer is printed and dropped, and the scan would end as if never interrupted (a verdict,
    exit 0 or 1, for a run the user stopped)."""
    noted: list[int] = []
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is not (
        signal.default_int_handler
    ):
        yield noted
        return

    def _on_interrupt(signum: int, frame: Any) -> None:
        noted.append(signum)
        signal.default_int_handler(signum, frame)

    signal.signal(signal.SIGINT, _on_interrupt)
    try:
        yield noted
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _raised_at(exc: BaseException) -> str:
    """Where an unexpected error arose (module and line), never its text: exception messages can carry the
    personal value that was being handled."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    last = frames[-1]
    return f" at {Path(last.filename).name}:{last.lineno}"


def _check_common(fmt: OutputFormat, fail_on: str) -> None:
    if fail_on.lower() not in ("block", "warn"):
        _fail(f"--fail-on takes 'block' or 'warn', not '{fail_on}'")


def emit(
    report: Report,
    fmt: OutputFormat,
    output: Path | None,
    show_values: bool,
    quiet: bool,
    fail_on: str,
    baseline: Path | None = None,
) -> int:
    if baseline is not None:
        from dlp.baseline import apply_baseline, load_baseline

        apply_baseline(report, load_baseline(baseline))
    report.wall_seconds = _wall_seconds()
    write_report(report, fmt, output, show_values=show_values, quiet=quiet)
    return exit_code(report.verdict, fail_on.lower())


def _wall_seconds() -> float:
    """Seconds since this process started (interpreter and model loading included), as the user waited."""
    try:
        import psutil

        return max(0.0, time.time() - psutil.Process().create_time())
    except Exception:
        return time.perf_counter() - _STARTED


def _progress(description: str, fmt: OutputFormat, quiet: bool) -> Any:
    """A bar on a terminal (rich format), a heartbeat line every 30 s on a non-terminal stderr, else nothing."""
    from dlp.reporters.progress import progress_display

    terminal = fmt == OutputFormat.RICH and not quiet and sys.stderr.isatty()
    return progress_display(description, terminal=terminal, heartbeat=not quiet and not sys.stderr.isatty())


BaselineOpt = Annotated[
    Path | None,
    typer.Option(
        "--baseline",
        help="Report only findings that are not in this baseline file (written by `dlp baseline`).",
        envvar="DLP_BASELINE",
    ),
]


@app.command()
def preflight(
    campaign: Annotated[Path, typer.Argument(help="The campaign file (campaign.yaml) or its folder.")],
    fmt: FormatOpt = OutputFormat.RICH,
    output: OutputOpt = None,
    rules: RulesOpt = None,
    show_values: ShowValuesOpt = False,
    quiet: QuietOpt = False,
    fail_on: FailOnOpt = "block",
    scheduler: SchedulerOpt = None,
    baseline: BaselineOpt = None,
) -> None:
    """Render every message of a campaign against its recipient list and scan it."""
    _check_common(fmt, fail_on)

    def action() -> int:
        from dlp.api import preflight as run_preflight

        with _progress("scanning", fmt, quiet) as progress:
            report = run_preflight(campaign, rules or [], progress=progress, scheduler=scheduler or None)
        return emit(report, fmt, output, show_values, quiet, fail_on, baseline)

    _guard(action)


InternalDomainOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--internal-domain",
        help="A domain of your own: its addresses are not external (repeatable; in an audit each sender's own "
        "domain always counts).",
    ),
]


@app.command()
def check(
    message: Annotated[str, typer.Argument(help="An RFC 5322 message file, or - for standard input.")] = "-",
    fmt: FormatOpt = OutputFormat.RICH,
    output: OutputOpt = None,
    rules: RulesOpt = None,
    show_values: ShowValuesOpt = False,
    quiet: QuietOpt = False,
    fail_on: FailOnOpt = "block",
    envelope_to: Annotated[
        list[str] | None,
        typer.Option("--envelope-to", help="An SMTP recipient (RCPT TO), when it differs from To/Cc (repeatable)."),
    ] = None,
    envelope_from: Annotated[str | None, typer.Option("--envelope-from", help="The SMTP sender (MAIL FROM).")] = None,
    internal_domains: InternalDomainOpt = None,
    baseline: BaselineOpt = None,
) -> None:
    """Scan one message (a pre-send hook for any mailer: `dlp check - < message.eml`)."""
    _check_common(fmt, fail_on)

    def action() -> int:
        from dlp.api import scan_message
        from dlp.sources.archive import one_message, read_input
        from dlp.sources.email_message import NOTES_ATTRIBUTE, parse_bytes

        source = message if message != "-" else "<stdin>"
        data = read_input(message)  # regular files only, bounded
        item = one_message(data, source)  # gzip, an mbox of one, Outlook .msg... or exit 2, never a guess
        parsed = parse_bytes(item.data or b"")
        if item.note:
            setattr(parsed, NOTES_ATTRIBUTE, [item.note])
        if not parsed.keys():
            raise InputError(
                "this is not an RFC 5322 message: it has no header lines (From:, To:, Subject: ...) before its body",
                path=source,
                line=1,
            )
        report = scan_message(
            parsed,
            rules or [],
            envelope_from=envelope_from,
            envelope_to=envelope_to or (),
            internal_domains=internal_domains or (),
        )
        report.source = source
        return emit(report, fmt, output, show_values, quiet, fail_on, baseline)

    _guard(action)


@app.command()
def audit(
    paths: Annotated[
        list[str], typer.Argument(help=".eml files, mbox files (.gz too), Maildir folders, folders; - is stdin.")
    ],
    fmt: FormatOpt = OutputFormat.RICH,
    output: OutputOpt = None,
    rules: RulesOpt = None,
    show_values: ShowValuesOpt = False,
    quiet: QuietOpt = False,
    fail_on: FailOnOpt = "block",
    internal: InternalDomainOpt = None,
    scheduler: SchedulerOpt = None,
    baseline: BaselineOpt = None,
) -> None:
    """Scan past sends: every message is scanned or listed as unreadable with the reason."""
    _check_common(fmt, fail_on)

    def action() -> int:
        from dlp.audit import audit as run_audit

        with _progress("auditing", fmt, quiet) as progress:
            report = run_audit(
                paths, rules or [], progress=progress, internal_domains=internal or [], scheduler=scheduler or None
            )
        return emit(report, fmt, output, show_values, quiet, fail_on, baseline)

    _guard(action)


def _is_campaign(target: str) -> bool:
    path = Path(target)
    if path.is_dir():
        return (path / "campaign.yaml").is_file() or (path / "campaign.yml").is_file()
    return path.suffix.lower() in (".yaml", ".yml")


@app.command("baseline")
def baseline_command(
    targets: Annotated[
        list[str],
        typer.Argument(help="A campaign (campaign.yaml or its folder), or the messages/archives to audit or check."),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="The baseline file to write (JSON).")],
    rules: RulesOpt = None,
    quiet: QuietOpt = False,
    internal: InternalDomainOpt = None,
) -> None:
    """Write the current findings' fingerprints to FILE; `--baseline FILE` on a later scan reports only new ones.

    Fingerprints are keyed: share the key (`fingerprint_key_file:` in a rules file, or DLP_FINGERPRINT_KEY)
    so the baseline matches on your colleagues' machines and in CI.
    """

    def action() -> int:
        from dlp.baseline import write_baseline
        from dlp.problems import counted

        if len(targets) == 1 and _is_campaign(targets[0]):
            from dlp.api import preflight as run_preflight

            with _progress("scanning", OutputFormat.RICH, quiet) as progress:
                report = run_preflight(targets[0], rules or [], progress=progress)
        else:
            from dlp.audit import audit as run_audit

            with _progress("auditing", OutputFormat.RICH, quiet) as progress:
                report = run_audit(targets, rules or [], progress=progress, internal_domains=internal or [])
        written = write_baseline(report, output)
        for note in report.notes:
            if "fingerprint" in note:
                typer.echo(f"dlp: note: {note}", err=True)
        if not quiet:
            typer.echo(
                f"wrote {counted(written, 'fingerprint')} of {counted(len(report.problems), 'problem')} to {output}; "
                f"scan with --baseline {output} to see only new findings",
                err=True,
            )
        return EXIT_OK

    _guard(action)


@app.command()
def serve(
    relay: Annotated[str, typer.Option("--relay", help="Upstream SMTP server HOST:PORT that accepted mail goes to.")],
    listen: Annotated[
        str, typer.Option("--listen", help="Address to accept mail on (HOST:PORT; port 0 picks a free one).")
    ] = "127.0.0.1:10025",
    rules: RulesOpt = None,
    internal_domains: InternalDomainOpt = None,
    relay_tls: Annotated[
        str, typer.Option("--relay-tls", help="Upstream encryption: none, starttls (required) or tls (SMTPS).")
    ] = "none",
    relay_user: Annotated[str | None, typer.Option("--relay-user", help="Upstream AUTH user name.")] = None,
    relay_password: Annotated[
        str | None,
        typer.Option("--relay-password", envvar="DLP_RELAY_PASSWORD", help="Upstream AUTH password (prefer env)."),
    ] = None,
    relay_cafile: Annotated[
        Path | None, typer.Option("--relay-cafile", help="CA bundle to verify the upstream's certificate.")
    ] = None,
    relay_timeout: Annotated[float, typer.Option("--relay-timeout", help="Seconds to wait on the upstream.")] = 60.0,
    fail_open: Annotated[
        bool,
        typer.Option("--fail-open", help="Relay a message UNSCANNED (logged loudly) if its scan fails; default 451."),
    ] = False,
    scan_timeout: Annotated[
        float,
        typer.Option("--scan-timeout", help="Seconds a scan may take; then its scanner is killed and the scan failed."),
    ] = 120.0,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            help="Scanner processes, one per core (extras start while slow scans hold them).",
            min=1,
        ),
    ] = 1,
    max_connections: Annotated[
        int, typer.Option("--max-connections", help="Concurrent client connections; more get 421.", min=1)
    ] = 100,
    session_timeout: Annotated[
        float, typer.Option("--session-timeout", help="Seconds one client connection may last (then 421).")
    ] = 600.0,
    idle_timeout: Annotated[
        float,
        typer.Option("--idle-timeout", help="Seconds a client may take to send its next command (then 421)."),
    ] = 300.0,
    data_timeout: Annotated[
        float, typer.Option("--data-timeout", help="Seconds a client may take to send one message (then 421).")
    ] = 300.0,
    shutdown_grace: Annotated[
        float, typer.Option("--shutdown-grace", help="Seconds after SIGTERM for messages in flight; then 421.")
    ] = 30.0,
    max_size: Annotated[int, typer.Option("--max-size", help="Largest message accepted, in bytes.", min=1024)] = (
        32 * 1024 * 1024
    ),
    hostname: Annotated[str | None, typer.Option("--hostname", help="Name in our greeting and EHLO.")] = None,
    log_file: Annotated[
        Path | None, typer.Option("--log", help="Append the JSON log lines to FILE (default standard error).")
    ] = None,
) -> None:
    """SMTP filtering relay: scan each message, relay pass/warn upstream, refuse block with 550 5.7.1."""

    def action() -> int:
        from dlp.serve.config import RelayConfig, ServeConfig, parse_hostport
        from dlp.serve.server import serve as run_server

        listen_host, listen_port = parse_hostport(listen, "--listen")
        relay_host, relay_port = parse_hostport(relay, "--relay", default_port=25)
        config = ServeConfig(
            listen_host=listen_host,
            listen_port=listen_port,
            relay=RelayConfig(
                host=relay_host,
                port=relay_port,
                tls=relay_tls.lower(),
                user=relay_user,
                password=relay_password,
                cafile=relay_cafile,
                timeout=relay_timeout,
                helo=hostname,
            ),
            rules=tuple(rules or ()),
            internal_domains=tuple(internal_domains or ()),
            fail_open=fail_open,
            scan_timeout=scan_timeout,
            workers=workers,
            max_size=max_size,
            hostname=hostname,
            log_file=log_file,
            max_connections=max_connections,
            session_timeout=session_timeout,
            idle_timeout=idle_timeout,
            data_timeout=data_timeout,
            shutdown_grace=shutdown_grace,
        )
        if log_file is None:
            return run_server(config)
        try:
            stream = log_file.open("a", encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot open the log file: {exc.strerror}", path=log_file) from None
        with stream:
            return run_server(config, stream)

    _guard(action)


@app.command()
def preview(
    campaign: Annotated[Path, typer.Argument(help="The campaign file (campaign.yaml) or its folder.")],
    row: Annotated[int, typer.Option("--row", "-r", help="Recipient row to render (1 = first data row).")] = 1,
) -> None:
    """Print one message exactly as that recipient gets it: headers, text, HTML as text, attachment names.

    This prints the recipient's own values UNREDACTED (it is for looking at your own data); do not paste it
    into tickets or logs. Exit 1 when the message has a template error, 2 on bad input.
    """

    def action() -> int:
        from dlp.preview import preview as run_preview

        result = run_preview(campaign, row)
        typer.echo(result.text, nl=False)
        return EXIT_FINDINGS if result.problems else EXIT_OK

    _guard(action)


@rules_app.command("list")
def rules_list(
    rules: RulesOpt = None,
    fmt: FormatOpt = OutputFormat.RICH,
) -> None:
    """Print the rule catalogue (id, severity, what it catches), with any --rules files applied."""

    def action() -> int:
        from dlp.checks import load_ruleset

        ruleset = load_ruleset(rules or [])
        if fmt == OutputFormat.JSON:
            import json

            from dlp.ruledocs import rule_doc_url

            data = [
                {
                    "id": r.id,
                    "severity": r.severity.value,
                    "enabled": r.enabled,
                    "description": r.description,
                    "remediation": r.remediation,
                    "parameters": r.parameters,
                    "doc": rule_doc_url(r.id),
                }
                for r in ruleset.rules.values()
            ]
            typer.echo(json.dumps(data, indent=2))
            return EXIT_OK
        from dlp.reporters.rich_report import print_rules

        print_rules([(r.id, r.severity.value, r.enabled, r.description) for r in ruleset.rules.values()])
        return EXIT_OK

    _guard(action)


@rules_app.command("show")
def rules_show(
    rule_id: Annotated[str, typer.Argument(help="A rule id, like sensitive-data (`dlp rules list` shows them).")],
    rules: RulesOpt = None,
    fmt: FormatOpt = OutputFormat.RICH,
) -> None:
    """One rule: what it catches, an example, how to fix it, its parameters as in effect after --rules files."""

    def action() -> int:
        from dlp.reporters.rule_page import print_rule, rule_json
        from dlp.ruleinfo import describe

        info = describe(rule_id, rules or [])
        if fmt == OutputFormat.JSON:
            typer.echo(rule_json(info))
        else:
            print_rule(info)
        return EXIT_OK

    _guard(action)


@rules_app.command("validate")
def rules_validate(files: Annotated[list[Path], typer.Argument(help="Rules files to validate.")]) -> None:
    """Validate rules files against the schema and the catalogue (exit 2 naming the file on error)."""

    def action() -> int:
        from dlp.checks import load_ruleset

        ruleset = load_ruleset(files)
        typer.echo(f"ok: {', '.join(str(f) for f in files)} ({len(ruleset.rules)} rules in effect)")
        return EXIT_OK

    _guard(action)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
