"""How numbers are shown to a person."""
from __future__ import annotations


def dollars(value: float) -> str:
    """$23,624.08; a negative amount (possible from a linear model) keeps its sign in front."""
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"
