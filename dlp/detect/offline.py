"""Keep every library we use from reaching for the network at import or scan time.

tldextract (inside Presidio's email recognizer) fetches the public-suffix list on first use unless told
not to; we point it at the snapshot it ships. Hugging Face style variables make any transitively loaded
hub client fail fast instead of hanging on a closed network.
"""

from __future__ import annotations

import os

_done = False


def configure_offline() -> None:
    global _done
    if _done:
        return
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import tldextract
    import tldextract.tldextract as tld_module

    # No URLs to fetch, no cache dir to write: the bundled snapshot is used directly.
    tld_module.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    _done = True
