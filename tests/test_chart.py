"""The charges histogram the result page draws."""
import pytest

from web.chart import Histogram


def test_histogram_bars_hold_all_people_and_mark_the_prediction(model, data):
    chart = Histogram.of(model.card["target"]["quantiles"])
    assert sum(bar["share"] for bar in chart.bars) == pytest.approx(100, abs=0.5)
    marked = chart.bars[chart.marked(16_000.0)]
    assert marked["low"] <= 16_000.0 < marked["high"]
    assert marked["x"] <= chart.marker(16_000.0) <= marked["x"] + marked["width"] + 1
    # Each bar's share is the share of people in the data with charges in its range.
    for bar in chart.bars[::6]:
        share = 100 * data.charges.between(bar["low"], bar["high"], inclusive="left").mean()
        assert bar["share"] == pytest.approx(share, abs=1.0)
    # The tallest bar is where most people are: the lowest charges, as in the data.
    tallest = max(chart.bars, key=lambda bar: bar["height"])
    assert tallest["x"] < chart.width * 0.25


def test_a_prediction_outside_the_data_stays_on_the_chart(model):
    chart = Histogram.of(model.card["target"]["quantiles"])
    assert chart.marker(-500.0) == 0 and chart.marker(1e6) == chart.width
    assert chart.marked(1e6) is None
