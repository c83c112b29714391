"""Health means progress: a pipeline whose committed offsets stand still while there is work, or that
dead-letters faster than a threshold, is unhealthy even though its process is alive (pure)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from infra.console.history import SOURCE_TOPIC_PREFIX


@dataclass
class ProgressWatch:
    stall_after_s: float = 60.0
    dead_letters_per_min: float = 10.0
    moved_at: dict[str, float] = field(default_factory=dict)  # topic -> when its committed offset last moved
    committed: dict[str, int] = field(default_factory=dict)
    dead_letters: deque[tuple[float, float]] = field(default_factory=deque)  # (when, total so far)

    def problems(
        self,
        committed: dict[str, int],
        lag: dict[str, int],
        dead_letters_total: float,
        now: float,
        paused: bool = False,
        refused: dict[str, str] | None = None,
    ) -> list[str]:
        """Why the pipeline is not making progress, from one sample; [] when it is. While a backfill has
        the source topics paused, only the internal topics can stall."""
        found = [
            f"Elasticsearch refuses writes to {index} ({reason}); the worker waits and retries, nothing is "
            "acknowledged meanwhile: lift the block (index.blocks.write, a closed index, disk watermarks)"
            for index, reason in sorted((refused or {}).items())
        ]
        for topic, offset in committed.items():
            resting = paused and topic.startswith(SOURCE_TOPIC_PREFIX)
            if offset != self.committed.get(topic) or lag.get(topic, 0) == 0 or resting:
                self.moved_at[topic] = now
            self.committed[topic] = offset
            stalled_s = now - self.moved_at[topic]
            if stalled_s >= self.stall_after_s:
                found.append(f"{topic}: {lag[topic]} messages waiting, committed offset unmoved for {stalled_s:.0f} s")
        self.dead_letters.append((now, dead_letters_total))
        while now - self.dead_letters[0][0] > 60:
            self.dead_letters.popleft()
        since, first = self.dead_letters[0]
        added = dead_letters_total - first if dead_letters_total >= first else dead_letters_total
        if added > self.dead_letters_per_min:  # counted over the last minute
            found.append(
                f"{added:.0f} dead letters in the last {now - since:.0f} s (alarm above "
                f"{self.dead_letters_per_min:g} a minute): see the dead-letter reasons"
            )
        return found
