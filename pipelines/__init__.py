"""Read models: Faust agents that project Debezium change streams into Elasticsearch."""
