"""`dlp serve`: an SMTP filtering relay that any mailer can use instead of its smarthost.

Each message is scanned with the same pipeline as `dlp check`; a pass or warn is relayed upstream and
acknowledged only once the upstream accepted it, a block is refused with `550 5.7.1`, and anything that
keeps the message from being either scanned or relayed answers 451 so the client keeps it and retries.
"""

from dlp.serve.config import RelayConfig, ServeConfig, parse_hostport

__all__ = ["RelayConfig", "ServeConfig", "parse_hostport"]
