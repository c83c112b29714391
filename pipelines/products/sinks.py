"""Products documents to Elasticsearch actions: one document per product, versioned by its newest LSN."""
from __future__ import annotations

from pipelines.core.sink import IndexAction
from pipelines.products.records import DocumentDeleted, ProductDocument


def product_action(index: str, document: ProductDocument | DocumentDeleted) -> IndexAction:
    if isinstance(document, DocumentDeleted):
        return IndexAction(index=index, id=str(document.id), version=document.source_lsn, document=None)
    return IndexAction(index=index, id=str(document.id), version=document.source_lsn,
                       document=document.model_dump(mode="json"))
