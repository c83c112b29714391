"""Request parameters and response bodies, one module per resource (what OpenAPI at /docs shows)."""
