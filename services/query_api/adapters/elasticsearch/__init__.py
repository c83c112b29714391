"""Elasticsearch: the client, one index's documents, and each resource's requests (its query DSL)."""
