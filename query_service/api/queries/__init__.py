"""Read-model queries: hand-written SELECTs and the row → response-item shapes."""
