"""The read side: projects the Kafka topic into read models and serves dashboards."""
