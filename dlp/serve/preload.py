"""Imported by the scanners' fork server, and only there (it ends its process at exit): load the rules
and the model there, once, before any fork.

Each scanner process is then forked from that one small, single-threaded process (never from the
server, whose sockets and threads must not be copied) and starts in milliseconds with the model already
loaded, sharing its pages copy-on-write. A replacement for a killed scanner, or an extra one while a
slow message holds the others, is so ready before the waiting clients notice.
"""

from __future__ import annotations

import atexit
import json
import os
from pathlib import Path

from dlp.analysis.workers import die_with_parent
from dlp.serve import scanning
from dlp.serve.scanning import SETTINGS_ENV

# The fork server dies with the server, even after `kill -9`: the end of its pipe from the server is not
# enough, since every process forked from it holds a copy of that pipe (a scanner stuck in a scan would
# keep it open, and so the fork server, and so itself). Its scanners die with it in turn.
die_with_parent(os.getppid())
# At a normal exit, freeing the model would take seconds: end at once. Scanners forked from here never
# run atexit handlers (they leave by _exit).
atexit.register(os._exit, 0)

_settings = os.environ.get(SETTINGS_ENV)
if _settings:
    try:
        _parsed = json.loads(_settings)
        scanning.init_worker([Path(r) for r in _parsed["rules"]], _parsed["internal_domains"])
    except Exception:  # each scanner then loads the rules itself and reports the error to the server
        scanning.reset_worker()
