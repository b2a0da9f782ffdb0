"""A recognizer registry that hands recognizers out in the order they were registered.

Presidio's `RecognizerRegistry.get_recognizers` collects the recognizers for the requested entities in a
`set` and returns `list(set)`: their order follows object hashes (memory addresses), which change from
run to run. The order matters where two recognizers find the same span at the same score (spaCy NER and
the dictionary-name recognizer on "Anna Meyer"): `EntityRecognizer.remove_duplicates` keeps the first
of two equal results, so `details.recognizer` changed with `PYTHONHASHSEED`. Registration order (spaCy
NER first, then ours in `project_recognizers` order, then a rules file's patterns) is the documented
tie-break: the same input names the same recognizer in every run.
"""

from __future__ import annotations

from presidio_analyzer import RecognizerRegistry


class OrderedRecognizerRegistry(RecognizerRegistry):
    def get_recognizers(self, *args, **kwargs) -> list:
        chosen = super().get_recognizers(*args, **kwargs)
        rank = {id(recognizer): i for i, recognizer in enumerate(self.recognizers)}
        return sorted(chosen, key=lambda recognizer: rank.get(id(recognizer), len(rank)))
