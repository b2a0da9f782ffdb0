"""The detection vocabulary returned by `dlp.analyze_text`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entity:
    entity_type: str
    start: int
    end: int
    score: float
    text: str = ""
    recognizer: str = ""

    def shifted(self, offset: int) -> Entity:
        return Entity(self.entity_type, self.start + offset, self.end + offset, self.score, self.text, self.recognizer)
