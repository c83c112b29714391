"""Reads of a declared read model (the real models/reviews.py) over a fake index: tokens, refusals, snapshots."""

from __future__ import annotations

import asyncio

import pytest

from catalog.registry import read_model
from services.query_api.adapters.elasticsearch.declared import DeclaredDsl
from services.query_api.consistency.waiter import Projection
from services.query_api.domain.declared import DeclaredSearch
from services.query_api.domain.errors import DocumentNotFound, DocumentRejected
from services.query_api.read_models import shape_of
from services.query_api.service_layer.consistency import ReadYourWrites
from services.query_api.service_layer.declared import DeclaredQueries

from ..fakes import FakeIndex, FakeWaiter, by_id, review_doc

SHAPE = shape_of(read_model("reviews"))
TOKEN_1000 = "v1.AAAAAAAAA-g"


def queries(index, waiter):
    consistency = ReadYourWrites(waiter, Projection("reviews", ("t",)), lambda outcome, s: None)
    return DeclaredQueries(SHAPE, index, DeclaredDsl(SHAPE), consistency, use_snapshots=True)


def test_a_token_search_waits_then_refreshes_then_reads_a_snapshot():
    index, waiter = FakeIndex([review_doc(i) for i in range(1, 4)], key=by_id), FakeWaiter()
    page = asyncio.run(queries(index, waiter).search(DeclaredSearch("reviews"), 2, token=TOKEN_1000))
    assert [h["id"] for h in page.hits] == [1, 2] and page.total == 3 and page.next_cursor
    assert (waiter.waited_for, waiter.projections, index.refreshes) == ([1000], ["reviews"], 1)
    assert index.searched_with == ["pit1"]


def test_a_token_read_of_a_refused_version_is_reported_and_a_missing_one_is_404():
    index = FakeIndex([{**review_doc(1), "source_lsn": 10}], key=by_id)
    index.rejections[1] = {"lsn": 20, "error": "400 mapper_parsing_exception"}
    reads = queries(index, FakeWaiter())
    with pytest.raises(DocumentRejected, match="review 1: the read model could not index its version at LSN 20"):
        asyncio.run(reads.get(1, TOKEN_1000))
    assert asyncio.run(reads.get(1))["rating"] == 4  # without a token: the document as it is
    with pytest.raises(DocumentNotFound, match="review 2 not found"):
        asyncio.run(reads.get(2))
