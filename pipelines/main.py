"""Start the pipeline worker in this process (what `readside serve pipeline` runs)."""

from __future__ import annotations


def run() -> None:
    """Run the Faust worker until stopped; topics, indices and aliases are created at start if missing.

    On uvloop (what `faust -L uvloop` selects; faust-streaming supports it): at 100 product changes/s the
    worker used 0.69-0.73 of a core on it against 0.75 on asyncio's loop (three and two runs). Set before
    the app exists, so every loop of the worker (its consumer thread's too) is one."""
    import asyncio

    import uvloop

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    from faust.worker import Worker

    from pipelines.app import app, settings

    Worker(app, loglevel=settings.pipeline_log_level).execute_from_commandline()


if __name__ == "__main__":
    run()
