"""Compare expected read-model documents (from SQL) with actual ones (from Elasticsearch), field by field."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class FieldDiff:
    doc_id: str
    field: str  # a path into the document: "total", "customer.email", "items[line_no=2].quantity"
    expected: Any
    actual: Any


@dataclass
class ModelDiff:
    """All differences of one read model: missing documents, extra documents, differing fields,
    or the reason it could not be compared at all."""

    model: str
    compared: int = 0
    missing: list[str] = field(default_factory=list)  # in Postgres, not in the index
    extra: list[str] = field(default_factory=list)  # in the index, not in Postgres
    fields: list[FieldDiff] = field(default_factory=list)
    problem: str | None = None  # e.g. the index does not exist; counts as one difference

    @property
    def count(self) -> int:
        return len(self.missing) + len(self.extra) + len(self.fields) + (self.problem is not None)

    @property
    def summary(self) -> str:
        return "not comparable" if self.problem else f"{self.count} diff(s)"


def diff_documents(
    model: str,
    expected: Mapping[str, Mapping[str, Any]],
    actual: Mapping[str, Mapping[str, Any]],
    fields: list[str],
    *,
    instants: tuple[str, ...] | list[str] = (),
    list_keys: Mapping[str, str] | None = None,
) -> ModelDiff:
    """Pure: documents keyed by id; only `fields` are compared (bookkeeping fields are not the model).

    `instants` name fields holding times, compared as instants whatever their type or spelling.
    `list_keys` maps a list field's path to the key its elements are matched by (else by position).
    """
    result = ModelDiff(model, compared=len(expected.keys() | actual.keys()))
    result.missing = sorted(expected.keys() - actual.keys(), key=_natural)
    result.extra = sorted(actual.keys() - expected.keys(), key=_natural)
    for doc_id in sorted(expected.keys() & actual.keys(), key=_natural):
        want, got = expected[doc_id], actual[doc_id]
        for name in fields:
            w, g = want.get(name), got.get(name)
            if name in instants:
                w, g = as_instant(w), as_instant(g)
            result.fields.extend(
                FieldDiff(doc_id, path, a, b) for path, a, b in diff_values(name, w, g, list_keys or {})
            )
    return result


def diff_values(path: str, want: Any, got: Any, list_keys: Mapping[str, str]) -> Iterator[tuple[str, Any, Any]]:
    """Pure: (path, expected, actual) for each differing leaf, descending into objects and lists
    so that a difference names the line and field rather than "the list differs"."""
    if want == got:
        return
    if isinstance(want, Mapping) and isinstance(got, Mapping):
        for key in [*want, *(k for k in got if k not in want)]:
            yield from diff_values(f"{path}.{key}", want.get(key), got.get(key), list_keys)
    elif isinstance(want, list) and isinstance(got, list):
        yield from _diff_lists(path, want, got, list_keys)
    else:
        yield path, want, got


def _diff_lists(path: str, want: list, got: list, list_keys: Mapping[str, str]) -> Iterator[tuple[str, Any, Any]]:
    key = list_keys.get(path)
    by_key_want, by_key_got = _by_key(want, key), _by_key(got, key)
    if by_key_want is None or by_key_got is None:  # no key, or it does not identify the elements
        for i in range(max(len(want), len(got))):
            yield from diff_values(
                f"{path}[{i}]", want[i] if i < len(want) else None, got[i] if i < len(got) else None, list_keys
            )
        return
    for k in [*by_key_want, *(k for k in by_key_got if k not in by_key_want)]:
        yield from diff_values(f"{path}[{key}={k}]", by_key_want.get(k), by_key_got.get(k), list_keys)
    common_want = [k for k in by_key_want if k in by_key_got]
    common_got = [k for k in by_key_got if k in by_key_want]
    if common_want != common_got:
        yield f"{path} order by {key}", common_want, common_got


def _by_key(items: list, key: str | None) -> dict[Any, Any] | None:
    if key is None or not all(isinstance(item, Mapping) and key in item for item in items):
        return None
    keyed = {item[key]: item for item in items}
    return keyed if len(keyed) == len(items) else None


def as_instant(value: Any) -> Any:
    """A datetime or ISO-8601 string as one canonical UTC string, so that equal instants compare
    equal however they were spelt ("Z" or "+00:00", with or without a fraction). Anything else
    (None, an unparseable string, a number) is returned as is, for the diff to show."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, datetime):
        return value
    if value.tzinfo is None:  # Elasticsearch reads a zone-less date as UTC; so do we
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _natural(doc_id: str) -> tuple[int, str]:
    return (int(doc_id), "") if doc_id.isdigit() else (0, doc_id)
