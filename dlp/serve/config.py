"""Settings of the relay, validated before anything listens (bad values are exit 2, not a crash later)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dlp.errors import InputError


def parse_hostport(value: str, option: str, default_port: int | None = None) -> tuple[str, int]:
    """`host:port`, `[v6]:port` or (with a default port) a bare host; port 0 lets the system pick one."""
    text = value.strip()
    host, port_text = text, ""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest.removeprefix(":")
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
    if not port_text:
        if default_port is None:
            raise InputError(f"{option} takes HOST:PORT (for example 127.0.0.1:10025), not '{value}'")
        return host or "127.0.0.1", default_port
    try:
        port = int(port_text)
    except ValueError:
        raise InputError(f"{option}: '{port_text}' is not a port number (in '{value}')") from None
    if not 0 <= port <= 65535:
        raise InputError(f"{option}: port {port} is out of range 0-65535")
    return host or "127.0.0.1", port


@dataclass(frozen=True)
class RelayConfig:
    """Where accepted mail goes. `tls` is 'none', 'starttls' (upgrade, required) or 'tls' (SMTPS)."""

    host: str
    port: int
    tls: str = "none"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    cafile: Path | None = None
    timeout: float = 60.0
    helo: str | None = None

    def __post_init__(self) -> None:
        if self.tls not in ("none", "starttls", "tls"):
            raise InputError(f"--relay-tls takes none, starttls or tls, not '{self.tls}'")
        if self.user and self.password is None:
            raise InputError("--relay-user needs a password: set DLP_RELAY_PASSWORD (or --relay-password)")
        if self.cafile is not None and not self.cafile.is_file():
            raise InputError("cannot read the CA file", path=self.cafile)


@dataclass(frozen=True)
class ServeConfig:
    listen_host: str
    listen_port: int
    relay: RelayConfig
    rules: tuple[Path, ...] = ()
    internal_domains: tuple[str, ...] = ()
    fail_open: bool = False
    # Seconds a scanner process may spend on one message before it is killed and the scan counts as
    # failed; a message also waits at most this long (plus a minute for a scanner to start) for a scanner.
    scan_timeout: float = 120.0
    workers: int = 1  # scanner processes; up to as many extras run while slow messages hold them
    max_size: int = 32 * 1024 * 1024
    hostname: str | None = None
    log_file: Path | None = None
    max_connections: int = 100  # concurrent client connections; the next one gets 421
    session_timeout: float = 600.0  # seconds a client connection may last in all (then 421)
    # Seconds a client may take to send its next whole command (RFC 5321 4.5.3.2.7's 5 minutes): bytes
    # dribbled without an end of line do not reset it, so a slowloris client is closed like a silent one.
    idle_timeout: float = 300.0
    # Seconds from 354 to the final dot: one byte a second never ends a message, so the phase is bounded
    # as a whole (32 MB in 300 s is 110 KB/s, far below any link a relay is fed from).
    data_timeout: float = 300.0
    shutdown_grace: float = 30.0  # after SIGTERM, seconds for messages in flight; then 421 to the rest
    line_limit: int = 1024 * 1024  # longest line accepted in a message; MTAs accept far more than 1000

    @property
    def busy_idle(self) -> float:
        """At the connection cap, a client that has sent no command for this long (10 s by default, a 30th
        of the idle timeout) makes room (421) for the new one instead of the new one being refused: idle
        or dribbling connections cannot starve the relay, as Postfix's stress mode shortens its timeouts."""
        return min(10.0, self.idle_timeout / 30)

    def __post_init__(self) -> None:
        for name in ("scan_timeout", "session_timeout", "idle_timeout", "data_timeout", "shutdown_grace"):
            if not getattr(self, name) > 0:
                raise InputError(f"--{name.replace('_', '-')} must be more than 0 seconds")
        if self.max_connections < 1:
            raise InputError("--max-connections must be at least 1")
