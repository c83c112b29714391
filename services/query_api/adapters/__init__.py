"""Adapters: the only code that talks to Elasticsearch and Kafka."""
