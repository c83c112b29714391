"""HTTP entry points of the query API: the app factory, routes, errors, metrics, the server."""
