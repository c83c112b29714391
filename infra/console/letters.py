"""The console's view of the dead-letter topic: pending letters per reason and the newest few.

Counted from the topics themselves (letters minus replay markers), so the figures survive a worker
restart, and read incrementally: each sample reads only the records added since the one before.
"""

from __future__ import annotations

from collections import Counter

from infra.deadletters import Letter, decode_letter, read_records, replayed_topic
from infra.settings import StackSettings

NEWEST_KEPT = 50


class LetterTally:
    def __init__(self, settings: StackSettings) -> None:
        self.settings = settings
        self._reasons: dict[str, str] = {}  # letter position -> reason, for every letter not yet replayed
        self._replayed: set[str] = set()
        self._newest: list[Letter] = []
        self._seen_reasons: set[str] = set()
        self._letters_at: dict[int, int] = {}
        self._replayed_at: dict[int, int] = {}

    async def refresh(self) -> None:
        for position, _, value in await read_records(
            self.settings, self.settings.dead_letter_topic, resume=self._letters_at
        ):
            letter = decode_letter(position, value) if value else None
            if letter is not None and position not in self._replayed:
                self._reasons[position] = letter.reason
                self._seen_reasons.add(letter.reason)
                self._newest = (self._newest + [letter])[-NEWEST_KEPT:]
        for _, key, value in await read_records(self.settings, replayed_topic(self.settings), resume=self._replayed_at):
            if key and value:
                self._replayed.add(key.decode())
                self._reasons.pop(key.decode(), None)

    def pending_by_reason(self) -> dict[str, int]:
        """Every reason seen so far, 0 once all its letters were replayed (so a gauge drops back)."""
        return {reason: 0 for reason in self._seen_reasons} | dict(Counter(self._reasons.values()))

    def newest(self, count: int) -> list[dict]:
        """The newest `count` letters not replayed, newest first."""
        kept = [letter for letter in self._newest if letter.position in self._reasons]
        return [letter.as_dict() for letter in sorted(kept, key=lambda letter: letter.failed_at, reverse=True)[:count]]
