import asyncio
import time

from pipelines.metrics import LOOP_LAG_SECONDS, watch_loop_lag


def _count() -> float:
    return next(s.value for m in LOOP_LAG_SECONDS.collect() for s in m.samples if s.name.endswith("_count"))


def test_the_watch_observes_each_late_wakeup():
    before = _count()

    async def run() -> None:
        task = asyncio.ensure_future(watch_loop_lag(interval_s=0.01))
        await asyncio.sleep(0.02)
        time.sleep(0.05)  # block the loop: the sleeping watch wakes ~50 ms late
        await asyncio.sleep(0.03)
        task.cancel()

    asyncio.run(run())
    assert _count() - before >= 2
    late = next(
        s.value
        for m in LOOP_LAG_SECONDS.collect()
        for s in m.samples
        if s.name.endswith("_bucket") and s.labels["le"] == "0.025"
    )
    assert late < _count()  # the blocked wake-up landed above 25 ms
