"""Use cases: one handler per command, run in one transaction by the command dispatcher."""
