"""One router per resource; each route validates, calls the dispatcher and maps the answer to HTTP."""
