"""The `dlp` command (Typer). The only module that knows about Typer; it parses options, calls the API,
picks a reporter and maps the verdict to an exit code (0 pass/warn, 1 block, 2 bad input)."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from dlp.errors import InputError
from dlp.model import Report
from dlp.policy import exit_code
from dlp.reporters import OutputFormat, write_report

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

app = typer.Typer(
    name="dlp",
    help="Data-loss-prevention scanner for outgoing bulk email. Exit codes: 0 pass/warn, 1 block, 2 bad input.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
rules_app = typer.Typer(help="Show or validate rule files.", no_args_is_help=True)
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
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Only the verdict line (rich) and no progress bar.")]
FailOnOpt = Annotated[
    str, typer.Option("--fail-on", help="Lowest severity that exits 1: block (default) or warn.", case_sensitive=False)
]


def _fail(message: str) -> None:
    typer.echo(f"dlp: error: {message}", err=True)
    raise typer.Exit(EXIT_ERROR)


def _guard(action: Callable[[], int]) -> None:
    """Run a command; bad input becomes one paragraph and exit 2, never a traceback."""
    try:
        code = action()
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
        _fail(f"internal error: {type(exc).__name__}: {exc} (set DLP_DEBUG=1 for the traceback; please report it)")
    else:
        raise typer.Exit(code)


def _check_common(fmt: OutputFormat, fail_on: str) -> None:
    if fail_on.lower() not in ("block", "warn"):
        _fail(f"--fail-on takes 'block' or 'warn', not '{fail_on}'")


def emit(report: Report, fmt: OutputFormat, output: Path | None, show_values: bool, quiet: bool, fail_on: str) -> int:
    write_report(report, fmt, output, show_values=show_values, quiet=quiet)
    return exit_code(report.verdict, fail_on.lower())


def _progress(description: str, total: int | None, fmt: OutputFormat, quiet: bool) -> Any:
    from dlp.reporters.rich_report import progress_bar

    enabled = fmt == OutputFormat.RICH and not quiet and sys.stderr.isatty()
    return progress_bar(description, total, enabled)


@app.command()
def preflight(
    campaign: Annotated[Path, typer.Argument(help="The campaign file (campaign.yaml) or its folder.")],
    fmt: FormatOpt = OutputFormat.RICH,
    output: OutputOpt = None,
    rules: RulesOpt = None,
    show_values: ShowValuesOpt = False,
    quiet: QuietOpt = False,
    fail_on: FailOnOpt = "block",
) -> None:
    """Render every message of a campaign against its recipient list and scan it."""
    _check_common(fmt, fail_on)

    def action() -> int:
        from dlp.api import preflight as run_preflight

        with _progress("scanning", None, fmt, quiet) as progress:
            report = run_preflight(campaign, rules or [], progress=progress)
        return emit(report, fmt, output, show_values, quiet, fail_on)

    _guard(action)


@app.command()
def check(
    message: Annotated[str, typer.Argument(help="An RFC 5322 message file, or - for standard input.")] = "-",
    fmt: FormatOpt = OutputFormat.RICH,
    output: OutputOpt = None,
    rules: RulesOpt = None,
    show_values: ShowValuesOpt = False,
    quiet: QuietOpt = False,
    fail_on: FailOnOpt = "block",
) -> None:
    """Scan one message (a pre-send hook for any mailer)."""
    _check_common(fmt, fail_on)

    def action() -> int:
        from dlp.message_scan import MessageScanner
        from dlp.sources.email_message import parse_bytes

        source = message if message != "-" else "<stdin>"
        if message == "-":
            data = sys.stdin.buffer.read()
        else:
            try:
                data = Path(message).read_bytes()
            except OSError as exc:
                raise InputError(f"cannot read message: {exc.strerror}", path=message) from None
        if not data.strip():
            raise InputError("empty message: nothing to scan", path=source)
        report = MessageScanner.from_rule_files(rules or []).scan(parse_bytes(data), source=source)
        return emit(report, fmt, output, show_values, quiet, fail_on)

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
    internal: Annotated[
        list[str] | None,
        typer.Option(
            "--internal-domain", help="Your organisation's mail domain (repeatable); the sender's own always counts."
        ),
    ] = None,
) -> None:
    """Scan past sends: every message is scanned or listed as unreadable with the reason."""
    _check_common(fmt, fail_on)

    def action() -> int:
        from dlp.audit import audit as run_audit

        with _progress("auditing", None, fmt, quiet) as progress:
            report = run_audit(paths, rules or [], progress=progress, internal_domains=internal or [])
        return emit(report, fmt, output, show_values, quiet, fail_on)

    _guard(action)


@app.command()
def serve(
    listen: Annotated[str, typer.Option("--listen", help="Address to accept mail on, HOST:PORT.")] = "127.0.0.1:10025",
    relay_to: Annotated[
        str, typer.Option("--relay", help="Upstream smarthost HOST:PORT that passing mail is relayed to.")
    ] = "",
    rules: RulesOpt = None,
    starttls: Annotated[bool, typer.Option("--relay-starttls", help="Use STARTTLS to the upstream.")] = False,
    user: Annotated[
        str | None, typer.Option("--relay-user", help="Log in to the upstream as USER.", envvar="DLP_RELAY_USER")
    ] = None,
    password_env: Annotated[
        str,
        typer.Option("--relay-password-env", help="Environment variable holding the upstream password."),
    ] = "DLP_RELAY_PASSWORD",
    fail_open: Annotated[
        bool,
        typer.Option("--fail-open", help="Relay a message unscanned (with a loud log line) when its scan fails."),
    ] = False,
    max_size: Annotated[int, typer.Option("--max-size", help="Largest message accepted, in MiB.", min=1)] = 50,
    timeout: Annotated[float, typer.Option("--relay-timeout", help="Seconds to wait on the upstream.")] = 60.0,
) -> None:
    """SMTP filtering relay: scan each message, relay pass/warn upstream, refuse block with 550 5.7.1."""

    def action() -> int:
        from dlp.message_scan import MessageScanner
        from dlp.serve.config import ServeConfig, parse_hostport
        from dlp.serve.server import serve_forever

        if not relay_to:
            raise InputError("dlp serve needs --relay HOST:PORT, the smarthost that passing mail goes to")
        listen_host, listen_port = parse_hostport(listen, "--listen")
        relay_host, relay_port = parse_hostport(relay_to, "--relay", default_port=25)
        password = os.environ.get(password_env) if user else None
        if user and password is None:
            raise InputError(f"--relay-user is set but ${password_env} is empty: export the upstream password there")
        config = ServeConfig(
            listen_host=listen_host,
            listen_port=listen_port,
            relay_host=relay_host,
            relay_port=relay_port,
            relay_starttls=starttls,
            relay_user=user,
            relay_password=password,
            relay_timeout=timeout,
            fail_open=fail_open,
            max_message_bytes=max_size * 1024 * 1024,
        )
        scanner = MessageScanner.from_rule_files(rules or [])
        return serve_forever(config, scanner)

    _guard(action)


@rules_app.command("list")
def rules_list(
    rules: RulesOpt = None,
    fmt: FormatOpt = OutputFormat.RICH,
) -> None:
    """Print the rule catalogue (id, severity, what it catches), with any --rules files applied."""

    def action() -> int:
        from dlp.rules import load_ruleset

        ruleset = load_ruleset(rules or [])
        if fmt == OutputFormat.JSON:
            import json

            data = [
                {
                    "id": r.id,
                    "severity": r.severity.value,
                    "enabled": r.enabled,
                    "description": r.description,
                    "remediation": r.remediation,
                    "parameters": r.parameters,
                }
                for r in ruleset.rules.values()
            ]
            typer.echo(json.dumps(data, indent=2))
            return EXIT_OK
        from dlp.reporters.rich_report import print_rules

        print_rules([(r.id, r.severity.value, r.enabled, r.description) for r in ruleset.rules.values()])
        return EXIT_OK

    _guard(action)


@rules_app.command("validate")
def rules_validate(files: Annotated[list[Path], typer.Argument(help="Rules files to validate.")]) -> None:
    """Validate rules files against the schema and the catalogue (exit 2 naming the file on error)."""

    def action() -> int:
        from dlp.rules import load_ruleset

        ruleset = load_ruleset(files)
        typer.echo(f"ok: {', '.join(str(f) for f in files)} ({len(ruleset.rules)} rules in effect)")
        return EXIT_OK

    _guard(action)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
