"""The replication slot's verdict: red before the slot's retained WAL can hurt, with what to do."""

from infra.slot import GIB, SlotState, judge_slot


def slot(**fields) -> SlotState:
    base = dict(
        name="readside_slot",
        exists=True,
        active=True,
        wal_status="reserved",
        retained_bytes=10_000,
        limit_bytes=4 * GIB,
        confirmed_lsn="0/16B3748",
    )
    return SlotState(**{**base, **fields})


def test_a_consumed_slot_is_ok_and_says_how_much_it_holds():
    verdict = judge_slot(slot(), 0.5)
    assert verdict.level == "ok"
    assert "active" in verdict.detail and "9.8 KiB" in verdict.detail


def test_past_the_warning_share_of_the_bound_it_turns_red_and_names_the_connector():
    assert judge_slot(slot(retained_bytes=2 * GIB - 1), 0.5).level == "ok"
    verdict = judge_slot(slot(retained_bytes=2 * GIB, active=False), 0.5)
    assert verdict.level == "warn"
    assert "2.0 GiB" in verdict.detail and "4.0 GiB" in verdict.detail and "RUNNING" in verdict.detail


def test_without_a_bound_it_warns_past_one_gib():
    assert judge_slot(slot(limit_bytes=None, retained_bytes=GIB - 1), 0.5).level == "ok"
    verdict = judge_slot(slot(limit_bytes=None, retained_bytes=GIB), 0.5)
    assert verdict.level == "warn" and "max_slot_wal_keep_size=-1" in verdict.detail


def test_an_unreserved_slot_is_about_to_be_dropped():
    verdict = judge_slot(slot(wal_status="unreserved", retained_bytes=5 * GIB), 0.9)
    assert verdict.level == "warn" and "drops it" in verdict.detail


def test_a_lost_slot_says_what_was_lost_and_how_to_recover():
    verdict = judge_slot(slot(wal_status="lost", active=False, retained_bytes=None), 0.5)
    assert verdict.level == "lost"
    assert "0/16B3748" in verdict.detail and "snapshot" in verdict.detail and "verify" in verdict.detail


def test_a_missing_slot_points_at_the_connector():
    verdict = judge_slot(SlotState("readside_slot", exists=False), 0.5)
    assert verdict.level == "warn" and "connectors apply" in verdict.detail
