"""The declared engine's aggregates stay exact under update, delete, a move to another parent, replays and a
crash between its two writes; documents carry them at the newest version."""

from __future__ import annotations

from datetime import UTC, datetime

from catalog.vocabulary import Aggregate, Join, ReadModel, Role, keyed, text
from pipelines.core.records import DocumentDeleted
from pipelines.core.tables import StateTable
from pipelines.declared.records import ContributionChanged, RowChanged, Totals
from pipelines.declared.state import DeclaredState
from pipelines.declared.transforms import aggregate_value

NOW = datetime(2026, 12, 7, tzinfo=UTC)
AUTHORS = ReadModel(
    name="authors",
    root="authors",
    version=1,
    joins=(Join("books", key="author_id", to="authors.id", many=True),),
    aggregates=(
        Aggregate("book_count", "count", over="books", default=0),
        Aggregate("pages", "sum", over="books", column="pages", default=0),
        Aggregate("pages_avg", "avg", over="books", column="pages"),
        Aggregate("shortest", "min", over="books", column="pages"),
        Aggregate("longest", "max", over="books", column="pages"),
    ),
    fields=(
        text("name"),
        keyed("book_count", Role.SORT),
        keyed("pages"),
        keyed("pages_avg"),
        keyed("shortest"),
        keyed("longest"),
    ),
)


def state(partitions: int = 2) -> DeclaredState:
    return DeclaredState(AUTHORS, StateTable({}), partitions)


def author(key: int, lsn: int, name: str | None = "Ursula") -> RowChanged:
    values = None if name is None else {"id": key, "name": name}
    return RowChanged(lsn=lsn, ts_ms=lsn * 10, key=key, values=values)


def book(child: int, lsn: int, parent: int | None, pages: int | None = None, was: int | None = None):
    values = None if parent is None else {"pages": pages}
    return ContributionChanged(
        lsn=lsn, ts_ms=lsn * 10, table="books", child=str(child), parent=parent, was=was, values=values
    )


def apply_all(s: DeclaredState, *changes) -> set[int]:
    touched: set[int] = set()
    for change in changes:
        for parent in {getattr(change, "key", None), getattr(change, "parent", None), getattr(change, "was", None)}:
            if parent is not None:
                touched |= s.apply(change, parent % s.partitions)
    return touched


def figures(s: DeclaredState, key: int) -> tuple:
    doc = s.document(key, NOW).model_dump()
    return doc["book_count"], doc["pages"], doc["pages_avg"], doc["shortest"], doc["longest"], doc["source_lsn"]


def test_a_document_counts_its_children_and_takes_the_newest_version():
    s = state()
    apply_all(s, author(1, 10), book(1, 11, 1, 100), book(2, 12, 1, 300))
    assert figures(s, 1) == (2, 400, 200.0, 100, 300, 12)
    assert s.document(1, NOW).model_dump()["name"] == "Ursula"


def test_an_update_retracts_the_old_value_and_a_delete_the_whole_row():
    s = state()
    apply_all(s, author(1, 10), book(1, 11, 1, 100), book(2, 12, 1, 300), book(1, 13, 1, 150, was=1))
    assert figures(s, 1) == (2, 450, 225.0, 150, 300, 13)
    apply_all(s, book(2, 14, None, was=1))
    assert figures(s, 1) == (1, 150, 150.0, 150, 150, 14)
    apply_all(s, book(1, 15, None, was=1))
    assert figures(s, 1) == (0, 0, None, None, None, 15)  # no rows: the declared defaults, as the SQL says


def test_a_child_moved_to_another_parent_leaves_one_and_joins_the_other():
    s = state()
    apply_all(s, author(1, 10), author(2, 11), book(1, 12, 1, 100))
    apply_all(s, book(1, 13, 2, 100, was=1))
    assert figures(s, 1)[:2] == (0, 0) and figures(s, 2)[:2] == (1, 100)


def test_replayed_and_late_changes_change_nothing():
    s = state()
    changes = [author(1, 10), book(1, 11, 1, 100), book(1, 12, 1, 200, was=1), book(2, 13, 1, 50)]
    apply_all(s, *changes)
    before = figures(s, 1)
    apply_all(s, *changes)
    assert figures(s, 1) == before
    apply_all(s, book(1, 11, 1, 100))  # older than what the contribution holds
    assert figures(s, 1) == before == (2, 250, 125.0, 50, 200, 13)


def test_a_crash_that_kept_the_totals_but_lost_the_contribution_does_not_count_twice():
    s = state(partitions=1)
    apply_all(s, author(1, 10), book(1, 11, 1, 100))
    lost = dict(s.table.table)
    apply_all(s, book(1, 12, 1, 250, was=1))
    s.table.table["c/books/1/1"] = lost["c/books/1/1"]  # the totals' write survived, the contribution's did not
    apply_all(s, book(1, 12, 1, 250, was=1))  # the replay
    assert figures(s, 1)[:2] == (1, 250)


def test_children_before_their_parent_wait_for_it_and_a_deleted_parent_is_deleted():
    s = state()
    apply_all(s, book(1, 11, 1, 100))
    assert s.document(1, NOW) is None  # no root row yet: nothing to index
    apply_all(s, author(1, 12))
    assert figures(s, 1)[:2] == (1, 100)
    apply_all(s, author(1, 13, name=None))
    assert s.document(1, NOW) == DocumentDeleted(id=1, source_lsn=13, source_ts_ms=130)
    apply_all(s, author(1, 12))  # a late, older row cannot bring it back
    assert isinstance(s.document(1, NOW), DocumentDeleted)


def test_a_parent_without_children_has_the_defaults():
    count, avg = AUTHORS.aggregates[0], AUTHORS.aggregates[2]
    assert aggregate_value(count, None, list) == 0
    assert aggregate_value(avg, Totals(), list) is None


def test_a_change_no_aggregate_reads_moves_no_figure_and_rebuilds_no_document():
    s = state()
    apply_all(s, author(1, 10), book(1, 11, 1, 100))
    assert apply_all(s, book(1, 12, 1, 100, was=1)) == set()  # its title changed, its pages did not
    assert figures(s, 1) == (1, 100, 100.0, 100, 100, 11)
    apply_all(s, book(1, 11, 1, 999, was=1))  # the older change stays older than what the contribution holds
    assert figures(s, 1)[:2] == (1, 100)
