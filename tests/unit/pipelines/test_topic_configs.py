"""Topic configs: what drifted from what this version wants, and the bounded-retention policy."""

from pipelines.app import CHANGELOG_CONFIG, kept_for
from pipelines.core.topics import config_drift


def test_only_wanted_configs_that_differ_are_reported():
    wanted = {"retention.ms": "3600000", "cleanup.policy": "delete"}
    assert config_drift(wanted, {"retention.ms": "604800000", "cleanup.policy": "delete", "x": "1"}) == {
        "retention.ms": ("604800000", "3600000")
    }
    assert config_drift(wanted, {**wanted, "segment.ms": "1"}) == {}
    assert config_drift({"max.compaction.lag.ms": "1"}, {}) == {"max.compaction.lag.ms": (None, "1")}


def test_a_bounded_topic_deletes_after_its_days_and_closes_segments_hourly():
    assert kept_for(14) == {"cleanup.policy": "delete", "retention.ms": str(14 * 86_400_000), "segment.ms": "3600000"}


def test_changelogs_compact_replaced_values_within_a_day():
    assert CHANGELOG_CONFIG["cleanup.policy"] == "compact" and CHANGELOG_CONFIG["max.compaction.lag.ms"] == "86400000"
