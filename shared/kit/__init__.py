"""The platform kit both services are built on, not part of any contract: HTTP
problem+json and middleware, access-token verification, PostgreSQL connection setup,
structured logs, settings, metrics exposition, the clock and Kafka topic admin."""
