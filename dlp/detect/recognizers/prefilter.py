"""Pattern recognizers that skip texts a cheap search proves cannot match.

Presidio runs every pattern of every recognizer over every text. Labelled patterns put the label in a
variable-width lookbehind, which the regex engine tries at every position: on a short window that is
most of the recognizer's cost, although nearly every window has no label at all. `REQUIRES` is a plain
search that every match needs (the label, or the digit run every number contains); when it finds
nothing, no pattern can match and the result is the same empty list, without running them.
"""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import PatternRecognizer


class PrefilteredPatternRecognizer(PatternRecognizer):
    # Must match somewhere in any text where one of the recognizer's patterns matches.
    REQUIRES: ClassVar[re.Pattern[str]]

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):
        if not self.REQUIRES.search(text):
            return []
        return super().analyze(text, entities, nlp_artifacts, regex_flags)
