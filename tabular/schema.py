"""The inputs, their rules, and validation shared by the form, the CSV upload and the API.

Everything about a field comes from the card's "inputs" (deployment.json, written by
training): its column name, kind, dtype, label, help, range or categories, and whether it may
be left blank. Nothing about any data set is written here (docs/card.md).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

KINDS = ("integer", "number", "category")
ALLOWED_DTYPES = ("int64", "float64", "object")

# Python's float() also takes "nan", "1_000" and " 12 ": a person typing into a form or a
# spreadsheet cell means none of those, so text must look like a plain decimal number.
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", re.ASCII)
# One mark between digits: "27,9" or "27.9". Before exactly three digits a mark that is not
# the text's decimal mark may group thousands ("1,500"), so that one is asked about.
ONE_MARK = re.compile(r"([+-]?\d+)([.,])(\d+)", re.ASCII)
# Thousands grouped ("1,234,567", "1.234,5", "1,000.5", "1 000", "1'000"): the fix is to
# write the number without them.
GROUPED = re.compile(r"([+-]?\d{1,3})((?:([.,' \u00a0\u202f])\d{3})+)(?:(?!\3)[.,](\d+))?",
                     re.ASCII)
# A number followed by words: "19 years", "27.9 kg/m2".
LEADING_NUMBER = re.compile(r"([+-]?\d+(?:[.,]\d+)?)\s*[^\W\d_]", re.ASCII)

Record = dict[str, Any]
Errors = dict[str, str]


@dataclass(frozen=True)
class Field:
    name: str  # the training column, exactly as the file spells it
    kind: str  # "integer", "number" or "category"
    minimum: float | None = None
    maximum: float | None = None
    categories: tuple[str, ...] = ()
    label: str = ""  # defaults to the name
    help: str | None = None
    blank: bool = False  # training saw missing values here: the pipeline imputes them
    dtype: str = ""  # the pandas dtype the pipeline was fitted with
    median: float | None = None

    def __post_init__(self):
        if not self.label:
            object.__setattr__(self, "label", self.name)
        if not self.dtype:
            object.__setattr__(self, "dtype", {"category": "object", "integer": "int64"}
                               .get(self.kind, "float64"))

    @property
    def missing(self) -> float:
        """What a blank sends to the pipeline: NaN, as pandas reads a blank cell, for a
        category too (its imputer takes None for a value and the model then fails)."""
        return math.nan

    def rule(self) -> str:
        """The rule in words, for the page and for error messages."""
        if self.kind == "category":
            return "one of " + ", ".join(self.categories)
        whole = "a whole number" if self.kind == "integer" else "a number"
        return f"{whole} from {_num(self.minimum)} to {_num(self.maximum)}"

    @property
    def example(self) -> float:
        """A number to show in messages: the middle of the training range, as round as it
        can be while staying inside it (41 for ages 18 to 64)."""
        middle = (self.minimum + self.maximum) / 2
        for places in range(7):
            if self.minimum <= round(middle, places) <= self.maximum:
                break
        return round(middle, places) if places else round(middle)

    def parse(self, value: Any, *, typed: bool, decimal: str = ".") -> Any:
        """The clean value, or raise ValueError with the message to show.

        typed=True is for JSON, where numbers must already be numbers and categories strings;
        typed=False is for form fields and CSV cells, which are always text, written with
        `decimal` as the decimal mark ("," in a semicolon CSV from a European spreadsheet).
        """
        if value is None or (isinstance(value, str) and not value.strip()):
            if self.blank:
                return self.missing
            raise ValueError("is required")
        if self.kind == "category":
            return self._category(value)
        number = self._typed(value) if typed else self._text(str(value).strip(), decimal)
        if not math.isfinite(number):
            raise ValueError("must be a finite number")
        if self.kind == "integer" and not number.is_integer():
            raise ValueError(f"must be a whole number, like {_num(self.example, decimal)}")
        if not self.minimum <= number <= self.maximum:
            raise ValueError(f"must be from {_num(self.minimum, decimal)} to "
                             f"{_num(self.maximum, decimal)}")
        return int(number) if self.kind == "integer" else number

    def _category(self, value: Any) -> str:
        """The training spelling of the one category the value equals, ignoring letter case
        and surrounding spaces (an exact match wins where categories differ only by case)."""
        if isinstance(value, (int, float)) and not isinstance(value, bool) \
                and math.isfinite(self._typed(value)) and _num(value) in self.categories:
            return _num(value)  # JSON 4 for the category "4" (training made numbers text)
        if not isinstance(value, str):
            raise ValueError(f"must be text: {self.rule()}")
        text = value.strip()
        if text in self.categories:
            return text
        same = [c for c in self.categories if c.casefold() == text.casefold()]
        if len(same) != 1:
            raise ValueError(f"must be {self.rule()}")
        return same[0]

    def _typed(self, value: Any) -> float:
        if isinstance(value, str):
            raise ValueError(f"must be a JSON number (no quotes), like {_num(self.example)}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"must be a number, like {_num(self.example)}")
        try:
            return float(value)
        except OverflowError:  # an int with hundreds of digits
            return math.inf

    def _text(self, text: str, decimal: str) -> float:
        if one := ONE_MARK.fullmatch(text):
            whole, mark, fraction = one.groups()
            if mark != decimal and len(fraction) == 3:
                raise ValueError(f"could be {whole}{decimal}{fraction} or {whole}{fraction}; "
                                 "write the one you mean")
            return float(f"{whole}.{fraction}")
        if PLAIN_NUMBER.fullmatch(text):
            return float(text)
        if grouped := GROUPED.fullmatch(text):
            whole, groups, mark, fraction = grouped.groups()
            fixed = whole + groups.replace(mark, "") + (decimal + fraction if fraction else "")
            raise ValueError(f"must be written without thousands separators, like {fixed}")
        if leading := LEADING_NUMBER.match(text):
            raise ValueError(f"must be just the number, like {leading.group(1)}")
        raise ValueError(f"must be a number, like {_num(self.example, decimal)}")


class Schema:
    """The fields in training-column order, with the ranges training recorded."""

    def __init__(self, fields: list[Field]):
        self.fields = {f.name: f for f in fields}
        self._loose = {f.name: loose(f.name) for f in fields}

    @classmethod
    def from_card(cls, card: Mapping) -> "Schema":
        """The fields of card["inputs"], in its order (the pipeline's); ValueError saying
        what is wrong with an input."""
        fields = []
        for name, spec in card["inputs"].items():
            try:
                fields.append(_field(name, spec))
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"input {name!r}: {exc}") from None
        if not fields:
            raise ValueError("the card lists no inputs")
        return cls(fields)

    @property
    def names(self) -> list[str]:
        return list(self.fields)

    @property
    def dtypes(self) -> dict[str, str]:
        return {f.name: f.dtype for f in self}

    def __iter__(self):
        return iter(self.fields.values())

    def __getitem__(self, name: str) -> Field:
        return self.fields[name]

    def validate(self, raw: Mapping[str, Any], *, typed: bool = False,
                 decimal: str = ".") -> tuple[Record, Errors]:
        """Clean every field; return (record, {}) or (partial record, {field: message})."""
        record: Record = {}
        errors: Errors = {}
        for field in self:
            try:
                record[field.name] = field.parse(raw.get(field.name), typed=typed,
                                                 decimal=decimal)
            except ValueError as exc:
                errors[field.name] = str(exc)
        return record, errors

    def near_miss(self, name: str, among: Iterable[str] | None = None) -> str | None:
        """The input (of `among`, default all) that `name`, not itself an input, was
        probably meant to be: equal to it loosely ("Bill Length (mm)" ~ bill_length_mm), or
        else its loose form shortened by at most half ("bill_depth" ~ bill_depth_mm: a unit
        left off). Rules and reasons: docs/uploads.md."""
        short = loose(name)
        if name in self.fields or not short:
            return None
        candidates = list(self.fields if among is None else among)
        same = [f for f in candidates if self._loose[f] == short]
        cut = [f for f in candidates if self._loose[f].startswith(short)
               and 2 * len(short) >= len(self._loose[f])]
        return (same + cut or [None])[0]


def loose(name: str) -> str:
    """A name as compared loosely: letter case and all but letters and digits dropped."""
    return "".join(c for c in name.casefold() if c.isalnum())


def _field(name: str, spec: Mapping) -> Field:
    kind = spec["kind"]
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    dtype = spec.get("dtype") or ("object" if kind == "category" else
                                  "int64" if kind == "integer" else "float64")
    if dtype not in ALLOWED_DTYPES or (dtype == "object") != (kind == "category"):
        raise ValueError(f"dtype {dtype!r} does not fit kind {kind!r}")
    words = {"label": spec.get("label") or name, "help": spec.get("help"),
             "blank": bool(spec.get("blank", False)), "dtype": dtype}
    if kind == "category":
        categories = tuple(spec["categories"])
        if not categories or not all(isinstance(c, str) for c in categories):
            raise ValueError("categories must be a non-empty list of text")
        return Field(name, kind, categories=categories, **words)
    low, high = spec["min"], spec["max"]
    if not (isinstance(low, (int, float)) and isinstance(high, (int, float)) and low <= high):
        raise ValueError("min and max must be numbers, min <= max")
    return Field(name, kind, minimum=low, maximum=high, median=spec.get("median"), **words)


def _num(value: float | None, decimal: str = ".") -> str:
    return f"{value:g}".replace(".", decimal)
