"""A token read by id never passes off an older document when Elasticsearch refused the write's version."""

from services.query_api.service_layer.documents import refused_since

REFUSED_AT_20 = {"lsn": 20, "error": "400 mapper_parsing_exception"}


def test_a_refusal_at_or_before_the_token_over_an_older_document_is_reported():
    assert refused_since(REFUSED_AT_20, {"source_lsn": 10}, lsn=20)
    assert refused_since(REFUSED_AT_20, {"source_lsn": 10}, lsn=35)
    assert refused_since(REFUSED_AT_20, None, lsn=25)  # a create that was refused: no document at all


def test_a_refusal_after_the_token_or_superseded_by_a_newer_version_is_not():
    assert not refused_since(REFUSED_AT_20, {"source_lsn": 10}, lsn=19)  # the token's write is older
    assert not refused_since(REFUSED_AT_20, {"source_lsn": 30}, lsn=35)  # a later version indexed
    assert not refused_since(REFUSED_AT_20, {"source_lsn": 20}, lsn=35)  # the letter was replayed
    assert not refused_since(None, {"source_lsn": 10}, lsn=35)
