"""The quality benchmark's paired bootstrap: the interval it prints beside each gain."""

import importlib.util
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "bench_common", Path(__file__).resolve().parents[2] / "benchmarks" / "common.py"
)
common = importlib.util.module_from_spec(_spec)
sys.modules["bench_common"] = common  # its dataclass looks its module up there
_spec.loader.exec_module(common)


def test_a_constant_gain_has_no_spread():
    base = [10.0, 20.0, 30.0, 40.0]
    assert common.paired_gain([b + 2.0 for b in base], base) == pytest.approx((2.0, 2.0, 2.0))


def test_the_pairing_removes_what_the_articles_share():
    # The articles differ wildly, the gain does not: a paired interval stays narrow.
    base = [float(i * 7 % 50) for i in range(200)]
    system = [b + (1.0 if i % 2 else 3.0) for i, b in enumerate(base)]
    mean, low, high = common.paired_gain(system, base)
    assert mean == pytest.approx(2.0)
    assert 1.7 < low < 2.0 < high < 2.3


def test_the_interval_holds_the_mean_and_narrows_with_more_articles():
    gains = [5.0, -3.0, 0.0, 8.0, -1.0, 2.0, 4.0, -2.0]
    few = common.paired_gain(gains, [0.0] * len(gains))
    many = common.paired_gain(gains * 25, [0.0] * len(gains) * 25)
    assert few[1] < few[0] < few[2]
    assert many[0] == pytest.approx(few[0])
    assert many[2] - many[1] < (few[2] - few[1]) / 3


def test_the_same_seed_prints_the_same_interval():
    gains = [1.0, -2.0, 4.0, 0.5, 3.0]
    assert common.paired_gain(gains, [0.0] * 5) == common.paired_gain(gains, [0.0] * 5)


@pytest.mark.parametrize(("system", "baseline"), [([1.0, 2.0], [1.0]), ([], [])])
def test_unpaired_or_empty_scores_are_refused(system, baseline):
    with pytest.raises(ValueError):
        common.paired_gain(system, baseline)
