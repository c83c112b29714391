"""The routes derived from a declaration, for reviews (models/reviews.py), on real Elasticsearch: get by id
(realtime), 404/422, full text, exact filters, cursor pages, bad filter values."""

from __future__ import annotations

import pytest

from .documents import Documents, review

pytestmark = pytest.mark.integration

REVIEWS = [
    review(1, 10, "bright lamp, bright light", rating=5, customer_id=1),
    review(2, 10, "the lamp flickers", rating=2, customer_id=2),
    review(3, 11, "a sturdy kettle", rating=5, customer_id=1),
    review(4, 11, "kettle whistles too loud", rating=3, customer_id=3),
    *(review(i, 12, f"teapot number {i}", rating=1 + i % 5, customer_id=4) for i in range(5, 17)),
]


@pytest.fixture
def reviews(es, indices) -> Documents:
    docs = Documents(es, indices.alias_of("reviews"))
    docs.load(REVIEWS)
    return docs


def search(api, **params):
    response = api.get("/reviews/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def ids(body) -> list[int]:
    return [hit["id"] for hit in body["hits"]]


def test_get_is_realtime_without_a_refresh(api, reviews, es, indices):
    reviews.put(review(40, 13, "fresh", rating=1, created_at="2026-02-03T04:05:06.789Z"), refresh=False)
    assert es.count(index=indices.alias_of("reviews"))["count"] == len(REVIEWS)  # not searchable yet...
    response = api.get("/reviews/40")  # ...but readable by id
    assert response.status_code == 200
    assert response.json() == {
        "id": 40,
        "product_id": 13,
        "customer_id": 1,
        "rating": 1,
        "body": "fresh",
        "created_at": "2026-02-03T04:05:06.789Z",
    }


def test_unknown_and_deleted_reviews_are_404(api, reviews):
    reviews.delete(2)
    for review_id in (2, 999_999):
        response = api.get(f"/reviews/{review_id}")
        assert (response.status_code, response.json()) == (404, {"detail": f"review {review_id} not found"})


@pytest.mark.parametrize("raw", ["abc", "1.5", "0", "-1", "9223372036854775808"])
def test_non_ids_are_422(api, raw):
    assert api.get(f"/reviews/{raw}").status_code == 422


def test_full_text_ranks_the_best_match_first(api, reviews):
    body = search(api, q="bright lamp")
    assert ids(body) == [1, 2] and body["total"] == 2 and body["next_cursor"] is None
    assert search(api, q="kettle")["total"] == 2


def test_exact_filters(api, reviews):
    assert ids(search(api, product_id=10)) == [1, 2]
    assert ids(search(api, product_id=11, rating=5)) == [3]
    assert ids(search(api, customer_id=1)) == [1, 3]
    assert ids(search(api, q="lamp", rating=2)) == [2]
    assert search(api, product_id=99)["total"] == 0


def test_cursor_pages_list_every_review_once_in_id_order(api, reviews):
    seen, body = [], search(api, size=5)
    while True:
        assert body["total"] == len(REVIEWS)
        seen += ids(body)
        if body["next_cursor"] is None:
            break
        body = search(api, size=5, cursor=body["next_cursor"])
    assert seen == sorted(r["id"] for r in REVIEWS)
    relevance = search(api, q="teapot", size=4)
    pages = ids(relevance) + ids(search(api, q="teapot", size=4, cursor=relevance["next_cursor"]))
    assert len(pages) == len(set(pages)) == 8


def test_a_cursor_only_continues_its_own_search(api, reviews):
    cursor = search(api, product_id=12, size=2)["next_cursor"]
    response = api.get("/reviews/search", params={"product_id": 11, "size": 2, "cursor": cursor})
    assert response.status_code == 422 and "different search" in response.json()["detail"]


@pytest.mark.parametrize(
    "params,reason",
    [
        ({"rating": "five"}, "query rating: Input should be a valid integer"),
        ({"product_id": "1.5"}, "query product_id: Input should be a valid integer"),
        ({"rating": "99999999999"}, "query rating: Input should be less than or equal to 2147483647"),
        ({"body": "lamp"}, "query body"),  # searched with q, not filtered
    ],
)
def test_bad_filter_values_are_422_with_the_reason(api, reviews, params, reason):
    response = api.get("/reviews/search", params=params)
    assert response.status_code == 422, response.text
    assert reason in response.json()["detail"]


def test_a_malformed_token_is_422(api, reviews):
    for path in ("/reviews/1", "/reviews/search"):
        assert api.get(path, headers={"X-Consistency-Token": "v1.nope"}).status_code == 422
