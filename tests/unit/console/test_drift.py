from infra.console.drift import drift_problems
from infra.verify.diff import ModelDiff


def test_only_models_that_differ_are_named_with_the_command_to_look_closer():
    diffs = [
        ModelDiff("products", compared=40),
        ModelDiff("orders", compared=38, missing=["7"]),
        ModelDiff("sales", problem="index or alias 'sales_daily' does not exist"),
    ]
    assert drift_problems(diffs) == [
        "sampled verify: 1 difference(s) in 38 document(s) in orders (see `readside verify --model orders`)",
        "sampled verify: index or alias 'sales_daily' does not exist in sales (see `readside verify --model sales`)",
    ]
