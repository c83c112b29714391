"""The worker's Kafka transport: faust's aiokafka driver, with a fetch long-poll short enough for CDC.

faust-streaming 0.15.3 builds its consumer with `fetch_max_wait_ms=1500`, hard-coded
(faust/transport/drivers/aiokafka.py). aiokafka keeps one fetch request in flight per broker and
leaves out of it every partition whose fetched records are not consumed yet; once they are, such a
partition waits for the request in flight to come back, and the broker holds that request up to
`fetch_max_wait_ms` when the partitions in it are quiet. With one worker reading ~40 partitions, of
which only a few are busy at a time, changes waited up to 1.5 s at that step: seconds of latency at
200 changes/s, and throughput in bursts. A short long-poll costs a few idle fetch round trips per
second on a loopback broker.
"""
from __future__ import annotations

from typing import Any

from faust.transport.drivers import aiokafka as driver


def transport_with_fetch_wait(fetch_max_wait_ms: int) -> type:
    """A faust Transport class whose consumer's broker long-poll is `fetch_max_wait_ms`."""

    class ConsumerThread(driver.AIOKafkaConsumerThread):
        def _create_worker_consumer(self, transport: Any) -> Any:
            consumer = super()._create_worker_consumer(transport)
            consumer._fetch_max_wait_ms = fetch_max_wait_ms  # read by start(), which builds the Fetcher
            return consumer

    class Consumer(driver.Consumer):
        def _new_consumer_thread(self) -> Any:
            return ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    class Transport(driver.Transport):
        pass

    Transport.Consumer = Consumer
    return Transport
