"""Read routes of the query service, one module per resource."""
