"""Finding a template language's tags in linear time, whatever the template holds.

A lazy regex such as `\\{%.*?%\\}` tries every opener against the rest of the text when the closer is
missing, so 60 KB of `{% {% {% ...` costs 20-90 s to compile (measured on each engine). These scanners
use `str.find` and remember where a closer no longer occurs, so each character is read a bounded number
of times: the leftmost opener, its first closer, and on from there, exactly as the lazy regex pairs them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator


def spans(source: str, pairs: tuple[tuple[str, str], ...]) -> Iterator[tuple[int, int, int]]:
    """(start, end, index of the pair) of every tag, left to right: the leftmost opener of any pair, up to
    the first closer of that pair after it (an opener with no closer is text, as for `opener.*?closer`)."""
    upcoming = [source.find(opener) for opener, _ in pairs]
    no_closer_from = [len(source) + 1] * len(pairs)  # a search for the pair's closer from here finds nothing
    position = 0
    while True:
        for i, (opener, _closer) in enumerate(pairs):
            if 0 <= upcoming[i] < position:
                upcoming[i] = source.find(opener, position)
        live = [i for i in range(len(pairs)) if upcoming[i] >= 0]
        if not live:
            return
        best = min(live, key=lambda i: upcoming[i])
        opener, closer = pairs[best]
        start = upcoming[best]
        search_from = start + len(opener)
        end = -1 if search_from >= no_closer_from[best] else source.find(closer, search_from)
        if end < 0:
            no_closer_from[best] = min(no_closer_from[best], search_from)
            upcoming[best] = source.find(opener, start + 1)  # this opener is text
            continue
        yield start, end + len(closer), best
        position = end + len(closer)


def replace(source: str, pairs: tuple[tuple[str, str], ...], rewrite: Callable[[str, int], str]) -> str:
    """The source with every tag (see `spans`) replaced by `rewrite(tag text, pair index)`."""
    out: list[str] = []
    position = 0
    for start, end, which in spans(source, pairs):
        out.append(source[position:start])
        out.append(rewrite(source[start:end], which))
        position = end
    out.append(source[position:])
    return "".join(out)
