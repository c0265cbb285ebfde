"""The templates' filters: how numbers are shown to a person."""
from web.filters import dollars, one_in, signed_dollars, whole_dollars


def test_dollars_are_formatted_with_cents_and_a_real_minus():
    assert dollars(23624.084) == "$23,624.08"
    assert dollars(-968000) == "−$968,000.00"
    assert signed_dollars(451.666) == "+$452" and signed_dollars(-37.031) == "−$37"


def test_an_estimate_is_shown_in_whole_dollars():
    assert whole_dollars(16659.84) == "$16,660" and whole_dollars(-968000.4) == "−$968,000"


def test_shares_read_as_people_count_them():
    assert one_in(0.8) == "4 in 5" and one_in(0.75) == "3 in 4"
    assert one_in(0.1081) == "1 in 9" and one_in(0.135) == "1 in 7"
    assert one_in(0) == "none" and one_in(1) == "all"
