"""The query API: reads of the Elasticsearch read models, with read-your-writes tokens."""
