"""What can go wrong with a read, in domain terms; the entrypoints map each to an HTTP status."""

from __future__ import annotations


class QueryError(Exception):
    """Base class; `str(error)` is the reason a client sees."""


class InvalidQuery(QueryError):
    """Parameters that validate one by one but not together, or a bad cursor/token (422)."""


class NotFound(QueryError):
    """No document of that kind and id in the read model (404)."""

    kind = "document"

    def __init__(self, doc_id: int) -> None:
        super().__init__(f"{self.kind} {doc_id} not found")
        self.doc_id = doc_id


class ProductNotFound(NotFound):
    kind = "product"


class OrderNotFound(NotFound):
    kind = "order"


class CustomerNotFound(NotFound):
    """No customer document: never registered, erased, or not projected yet."""

    kind = "customer"


class DocumentNotFound(NotFound):
    """No document of a read model served from its declaration; `kind` names one of its documents."""

    def __init__(self, kind: str, doc_id: int) -> None:
        self.kind = kind
        super().__init__(doc_id)


class ReadModelBehind(QueryError):
    """The read model did not reach a consistency token within the bounded wait (504)."""

    def __init__(self, token: str, waited_s: float, reason: str) -> None:
        super().__init__(
            f"read model not yet at token {token} after {waited_s:.1f} s ({reason}); retry later with the same token"
        )
        self.token = token


class DocumentRejected(QueryError):
    """The token's write reached the read side, but Elasticsearch refused its version of this document for
    good (e.g. a mapping conflict); the index holds an older one, which a token read must not pass off (502)."""

    def __init__(self, kind: str, doc_id: int, lsn: int, error: str) -> None:
        super().__init__(
            f"{kind} {doc_id}: the read model could not index its version at LSN {lsn} "
            f"(Elasticsearch refused it: {error}); it holds an older version. The change is "
            f"kept as a dead letter (`readside deadletters`, reason sink_rejected)"
        )


class ReadModelUnavailable(QueryError):
    """Elasticsearch or Kafka cannot answer, or the index does not exist yet (503)."""


class SnapshotExpired(QueryError):
    """The point in time a cursor reads is gone (expired or closed); the search continues in
    a new one, so this never reaches a client."""
