"""Read handlers: catch up with a token, query the read model, shape the answer."""
