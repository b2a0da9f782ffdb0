"""Settings of the relay, parsed and checked once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from dlp.errors import InputError


def parse_hostport(value: str, what: str, default_port: int | None = None) -> tuple[str, int]:
    """'host:port', '[::1]:port' or (with a default) 'host' -> (host, port)."""
    text = value.strip()
    host, port_text = text, ""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest.removeprefix(":")
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
    if not port_text:
        if default_port is None:
            raise InputError(f"{what} '{value}' needs a port, as HOST:PORT")
        return host or "127.0.0.1", default_port
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise InputError(f"{what} '{value}': the port must be a number from 1 to 65535")
    return host or "127.0.0.1", int(port_text)


@dataclass(frozen=True)
class ServeConfig:
    listen_host: str = "127.0.0.1"
    listen_port: int = 10025
    relay_host: str = "127.0.0.1"
    relay_port: int = 25
    relay_starttls: bool = False
    relay_user: str | None = None
    relay_password: str | None = None
    relay_timeout: float = 60.0
    fail_open: bool = False
    max_message_bytes: int = 50 * 1024 * 1024
    hostname: str = "dlp"
