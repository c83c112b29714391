"""The use cases, one module per resource: catch up with a token, read the index, shape the answer."""
