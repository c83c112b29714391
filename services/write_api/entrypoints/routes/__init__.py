"""One router per resource; each route validates, calls the bus and maps the answer to HTTP."""
