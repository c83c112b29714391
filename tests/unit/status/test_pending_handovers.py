"""`readside status` names the partitions a backfill left waiting, from the worker's metrics text."""

from infra.pipeline_status import parse_pending_handovers

METRICS = """# HELP readside_handover_pending_lsn A partition waiting for the end of a backfill's handover
# TYPE readside_handover_pending_lsn gauge
readside_handover_pending_lsn{partition="0",projection="products"} 2.4717928e+07
readside_handover_pending_lsn{partition="1",projection="products"} 0.0
readside_handover_pending_lsn{partition="3",projection="products"} 2.4717928e+07
# HELP readside_unhandled_acks_total Acks refused
# TYPE readside_unhandled_acks_total counter
readside_unhandled_acks_total{topic="readside.public.orders"} 2.0
"""


def test_only_waiting_partitions_are_named_with_their_floor():
    assert parse_pending_handovers(METRICS) == {"products": {0: 24717928, 3: 24717928}}


def test_a_worker_with_every_partition_live_names_none():
    assert parse_pending_handovers(METRICS.replace("2.4717928e+07", "0.0")) == {}
    assert parse_pending_handovers("") == {}
