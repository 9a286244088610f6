"""The built-in sandbox payment provider: a small card processor with its own HTTP API,
SQLite state, signed webhooks and test tokens (docs/sandbox-provider.md)."""
