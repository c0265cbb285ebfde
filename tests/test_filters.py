"""How numbers are shown to a person: the card's target format, and shares."""
from web.filters import Format, one_in

DOLLARS = Format("$", "", 0)  # the insurance card's format


def test_amounts_follow_the_cards_format_with_a_real_minus():
    assert DOLLARS.precise(23624.084) == "$23,624.08"
    assert DOLLARS.precise(-968000) == "−$968,000.00"
    assert DOLLARS.signed(451.666) == "+$452" and DOLLARS.signed(-37.031) == "−$37"
    assert Format("", " mpg", 1).amount(23.456) == "23.5 mpg"
    assert Format("", " mpg", 1).signed(-0.04) == "−0.0 mpg"
    assert Format().amount(1234.5) == "1,234" and Format(decimals=3).precise(2) == "2.000"


def test_an_estimate_is_shown_in_whole_dollars():
    assert DOLLARS.amount(16659.84) == "$16,660" and DOLLARS.amount(-968000.4) == "−$968,000"


def test_axis_ticks_are_as_short_as_their_step_allows():
    assert DOLLARS.tick(20_000.0, 10_000.0) == "$20k"
    assert Format().tick(3_000_000.0, 1_000_000.0) == "3M" and Format().tick(0.3, 0.1) == "0.3"
    assert Format(suffix="%").tick(12.5, 2.5) == "12.5%" and Format().tick(-10.0, 5.0) == "−10"


def test_shares_read_as_people_count_them():
    assert one_in(0.8) == "4 in 5" and one_in(0.75) == "3 in 4"
    assert one_in(0.1081) == "1 in 9" and one_in(0.135) == "1 in 7"
    assert one_in(0) == "none" and one_in(1) == "all"
