"""The objective grammar: FIGURE OP NUMBER."""

import pytest

from stacktwin.objectives import ObjectiveError, parse_objective


def test_parse_objectives() -> None:
    o = parse_objective("vif_wait.p99<=60")
    assert (o.figure, o.op, o.threshold) == ("vif_wait.p99", "<=", 60.0)
    e = parse_objective(" errors == 0 ")
    assert (e.figure, e.op, e.threshold) == ("error", "==", 0.0)
    assert parse_objective("neutron_rpc.utilisation<0.8").op == "<"
    assert parse_objective("boots>=1e3").threshold == 1000


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("vif_wait.p99", "expected FIGURE OP NUMBER"),
        ("vif_wait.p99 = 60", "use '=='"),
        ("vif_wait.p99 <= sixty", "'sixty' is not a number"),
        ("vif_wait.p98 <= 60", "unknown figure 'vif_wait.p98'"),
        ("errors <= inf", "finite"),
    ],
)
def test_objective_errors_quote_the_text(text: str, message: str) -> None:
    with pytest.raises(ObjectiveError, match=message) as info:
        parse_objective(text)
    assert repr(text) in str(info.value)


def test_met_with_confidence_uses_the_interval_end() -> None:
    p99 = parse_objective("vif_wait.p99<=60")
    assert p99.met({"mean": 50, "ci95_low": 40, "ci95_high": 59})
    assert not p99.met({"mean": 50, "ci95_low": 40, "ci95_high": 61})  # mean meets, CI does not
    assert not p99.met({"mean": None, "ci95_low": None, "ci95_high": None})
    assert p99.shortfall({"mean": 50, "ci95_low": 40, "ci95_high": 90}) == pytest.approx(0.5)
    zero = parse_objective("errors==0")
    assert zero.met({"mean": 0, "ci95_low": 0, "ci95_high": 0})
    assert not zero.met({"mean": 0.3, "ci95_low": -0.5, "ci95_high": 1.1})
    low = parse_objective("active>=10")
    assert low.met({"mean": 12, "ci95_low": 10, "ci95_high": 14})
    assert not low.met({"mean": 12, "ci95_low": 9, "ci95_high": 14})
