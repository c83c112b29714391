"""Read models served from their declarations: a document's shape (fields, mapping types, search roles), the
search over it (full text, exact filters, the fingerprint a cursor carries) and a stored document as its view."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import InvalidQuery
from .orders import parse_instant
from .paging import MAX_QUERY_TEXT

# Mapping types a term filter matches exactly, with what the value must be. A `text` field is analysed, so
# an exact filter on it would match words, not the value: it is searched through `q` instead.
INTEGER_RANGES = {
    "long": (-(2**63), 2**63 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-(2**7), 2**7 - 1),
}
FRACTIONAL = frozenset({"double", "float", "half_float", "scaled_float"})
FILTERABLE = frozenset({*INTEGER_RANGES, *FRACTIONAL, "boolean", "keyword", "date"})
MAX_KEYWORD = 256
RESERVED = frozenset({"q", "size", "cursor"})  # the search's own parameters: no field may take their names

View = dict[str, Any]  # a document as the API answers it: `id`, then every declared field


@dataclass(frozen=True)
class FieldShape:
    """A declared field as the query side sees it: its mapping type, and whether `q` searches it (text) or a
    parameter of its name filters on it (filter)."""

    name: str
    type: str
    text: bool = False
    filter: bool = False


@dataclass(frozen=True)
class DocumentShape:
    name: str  # the read model's, plural: "reviews"
    fields: tuple[FieldShape, ...]

    @property
    def kind(self) -> str:
        """One document, in messages and paths: a read model is named in the plural (reviews), a document not."""
        return self.name.removesuffix("s")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def text_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.text)

    @property
    def filter_fields(self) -> tuple[FieldShape, ...]:
        return tuple(f for f in self.fields if f.filter)


def filter_value(field: FieldShape, value: object) -> object:
    """A filter's value as its term query needs it; InvalidQuery (422) says what is wrong with it."""
    if field.type in INTEGER_RANGES:
        low, high = INTEGER_RANGES[field.type]
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidQuery(f"{field.name} must be an integer")
        if not low <= value <= high:
            raise InvalidQuery(f"{field.name} must be between {low} and {high}")
        return value
    if field.type in FRACTIONAL:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InvalidQuery(f"{field.name} must be a number")
        return float(value)
    if field.type == "boolean":
        if not isinstance(value, bool):
            raise InvalidQuery(f"{field.name} must be true or false")
        return value
    if field.type == "keyword":
        if not isinstance(value, str) or not 1 <= len(value) <= MAX_KEYWORD:
            raise InvalidQuery(f"{field.name} must be text of 1 to {MAX_KEYWORD} characters")
        return value
    if field.type == "date":
        if not isinstance(value, str):
            raise InvalidQuery(f"{field.name} must be an ISO-8601 instant")
        # The index keeps milliseconds: the term matches that instant, however the offset was written.
        instant = parse_instant(value, field.name).isoformat(timespec="milliseconds")
        return instant.replace("+00:00", "Z")
    raise InvalidQuery(f"{field.name} cannot be filtered on")


@dataclass(frozen=True)
class DeclaredSearch:
    """One search of a declared read model: words over its text fields, and exact filters (name, value)."""

    model: str
    text: str | None = None
    filters: tuple[tuple[str, Any], ...] = ()

    # Pages follow (score, id) with or without text: without it every document scores the same, so the
    # order is the id's, and one cursor shape serves both.
    scored = True

    @classmethod
    def from_params(cls, shape: DocumentShape, q: str | None, values: Mapping[str, object]) -> DeclaredSearch:
        """`values`: filter name -> value (None: not filtered)."""
        text = q.strip() if q is not None else None
        if text and not shape.text_fields:
            raise InvalidQuery(f"{shape.name}: no field is searched as full text, so leave q out")
        if text is not None and len(text) > MAX_QUERY_TEXT:
            raise InvalidQuery(f"q must be at most {MAX_QUERY_TEXT} characters")
        filterable = {f.name: f for f in shape.filter_fields}
        unknown = sorted(set(values) - set(filterable))
        if unknown:
            raise InvalidQuery(f"{shape.name} cannot be filtered on {unknown[0]}")
        filters = tuple(
            (name, filter_value(filterable[name], value)) for name, value in sorted(values.items()) if value is not None
        )
        return cls(shape.name, text or None, filters)

    def fingerprint(self) -> str:
        """A short digest of everything that decides which documents a search lists, and in which order; a
        cursor carries it so it cannot continue a different search (or another read model's)."""
        canonical = json.dumps(
            [self.model, self.text, [list(f) for f in self.filters]], separators=(",", ":"), ensure_ascii=True
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class DeclaredPage:
    total: int
    hits: list[View]
    next_cursor: str | None


def document_view(shape: DocumentShape) -> Callable[[str, Mapping[str, Any]], View | None]:
    """How a stored document reads: its id and every declared field, None where the document lacks one."""

    def view(doc_id: str, source: Mapping[str, Any]) -> View:
        stored_id = source.get("id")
        own_id = stored_id if isinstance(stored_id, int) and not isinstance(stored_id, bool) else int(doc_id)
        return {"id": own_id, **{name: source.get(name) for name in shape.names}}

    return view
