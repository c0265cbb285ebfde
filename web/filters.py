"""How numbers are shown to a person: the target's values in the card's format, shares, and a
classifier's probabilities."""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Format:
    """The card's target "format": {"prefix": "$", "suffix": "", "decimals": 0} shows
    16659.84 as $16,660. A negative value (possible from a linear model) keeps a real minus
    sign in front of the prefix."""
    prefix: str = ""
    suffix: str = ""
    decimals: int = 0

    @classmethod
    def of(cls, target: Mapping) -> "Format":
        given = target.get("format") or {}
        return cls(given.get("prefix", ""), given.get("suffix", ""), int(given.get("decimals", 0)))

    def amount(self, value: float) -> str:
        """An estimate: $16,660, with no more decimals than the data's own."""
        return self._show(value, self.decimals)

    def precise(self, value: float) -> str:
        """An error measure or a statistic of the data: at least two decimals ($1,668.05)."""
        return self._show(value, max(self.decimals, 2))

    def signed(self, value: float) -> str:
        """+$1,234 or −$1,234: the difference of two estimates, so the sign is always shown."""
        return ("+" if value >= 0 else "−") + self.amount(abs(value))

    def tick(self, value: float, step: float) -> str:
        """An axis label, as short as the step between ticks allows: $10k, 2.5, 40%."""
        for scale, letter in ((1e6, "M"), (1e3, "k"), (1, "")):
            if step >= scale:
                break
        places = _places(step / scale)
        sign = "−" if value < 0 else ""
        return f"{sign}{self.prefix}{abs(value) / scale:,.{places}f}{letter}{self.suffix}"

    def _show(self, value: float, places: int) -> str:
        sign = "−" if value < 0 else ""
        return f"{sign}{self.prefix}{abs(value):,.{places}f}{self.suffix}"


def _places(step: float) -> int:
    """The decimals a multiple of step needs: 0 for 10, 1 for 2.5, 2 for 0.05."""
    for places in range(7):
        if math.isclose(step, round(step, places), rel_tol=1e-9):
            return places
    return 6


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


def percent(probability: float) -> str:
    """0.98765 -> "98.8%". Near 0 or 1 it says "<0.1%" or ">99.9%": rounding must not show a
    class as impossible or certain when the model did not say so."""
    if probability <= 0:
        return "0%"
    if probability >= 1:
        return "100%"
    if probability < 0.0005:
        return "<0.1%"
    if probability >= 0.9995:
        return ">99.9%"
    return f"{100 * probability:.1f}%"


def points(difference: float) -> str:
    """The difference of two probabilities in signed percentage points: +3.1, −0.4; a move
    that rounds to none is "0.0", not "+0.0" or "−0.0"."""
    shown = f"{abs(100 * difference):.1f}"
    if shown == "0.0":
        return shown
    return ("+" if difference > 0 else "−") + shown


def breakable(text: str) -> Markup:
    """Text with a line break allowed after each _, and each . before a letter: a column name
    such as flipper_length_mm or yrs.since.phd then wraps at its parts in a narrow table cell
    on a phone, rather than widening the table or breaking inside a word; 10.64 stays whole."""
    return Markup(re.sub(r"(_|\.(?=[^\W\d_]))", r"\1<wbr>", str(escape(text))))


FILTERS = (one_in, percent, points, breakable)
