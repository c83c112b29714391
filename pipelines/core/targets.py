"""Where a read model's documents are written: its alias, or every index of its shadow set during a rebuild.

A rebuild (infra/rebuild) fills a new versioned index from a Postgres snapshot at LSN L while the live
index keeps serving. Every change newer than L must reach the new index too, and after the alias moves
to it the old index must keep receiving changes, or a rollback would bring back stale data. So while a
rebuild or its rollback copy is around, the alias `<alias>-shadow` names every index the documents go to
(the live one among them), and the worker's sink (pipelines/core/sink.py) writes each document to each of
them instead of to the alias.

The worker learns of a change of that set in stream order: the rebuild edits the shadow alias, then sends
a `ShadowChanged` message to every partition of the projection's internal topic (while it holds the
snapshot's lock, so before any change newer than L). The projector re-reads the alias when the message
comes, before it writes the batch's documents. At start the worker reads every shadow alias, so a restart
keeps the set. Before an index leaves the set for good, the rebuild waits until every partition has read
the message that says so; only then is the index deleted (a write to a deleted index would create it anew).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from pipelines.core.records import STATE

# A control message's JSON begins like this (pydantic writes fields in their declared order): the projector
# recognises it without decoding the value as its model's change.
SHADOW_PREFIX = b'{"kind":"shadow"'


class ShadowChanged(BaseModel):
    model_config = STATE
    kind: Literal["shadow"] = "shadow"
    alias: str


def shadow_alias(alias: str) -> str:
    return f"{alias}-shadow"
