"""Start the pipeline worker in this process (what `readside serve pipeline` runs)."""
from __future__ import annotations


def run() -> None:
    """Run the Faust worker until stopped; topics, indices and aliases are created at start if missing."""
    from faust.worker import Worker

    from pipelines.app import app, settings

    Worker(app, loglevel=settings.pipeline_log_level).execute_from_commandline()


if __name__ == "__main__":
    run()
