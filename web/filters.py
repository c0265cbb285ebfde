"""The templates' filters: how numbers are shown to a person."""
from __future__ import annotations

import functools
from fractions import Fraction


def dollars(value: float) -> str:
    """$23,624.08; a negative amount (possible from a linear model) keeps its sign in front."""
    sign = "−" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def whole_dollars(value: float) -> str:
    """$16,660: an estimate, where cents would claim a precision it does not have."""
    sign = "−" if value < 0 else ""
    return f"{sign}${abs(value):,.0f}"


# Every result page asks for the same few shares (the card's), so Fraction's search runs
# once for each.
@functools.lru_cache(maxsize=128)
def one_in(share: float) -> str:
    """0.8 -> "4 in 5", 0.09 -> "1 in 11": a share as people count it."""
    if share <= 0:
        return "none"
    if share >= 1:
        return "all"
    whole = Fraction(share).limit_denominator(10)
    if abs(float(whole) - share) < 0.005 and whole.numerator > 1:
        return f"{whole.numerator} in {whole.denominator}"
    return f"1 in {round(1 / share)}"


def signed_dollars(value: float) -> str:
    """+$1,234 or −$1,234: the difference of two estimates, so the sign is always shown."""
    return ("+" if value >= 0 else "−") + whole_dollars(abs(value))


FILTERS = (dollars, whole_dollars, signed_dollars, one_in)
