"""Pure read logic: parameters and their checks, documents to views, cursors, money, errors; no I/O, no engine."""
