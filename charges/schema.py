"""The six inputs, their rules, and validation shared by the form, the CSV upload and the API.

The names are the training columns. Ranges and categories come from deployment.json, written
by training, so a retrained model on other data brings its own rules.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Mapping

FIELDS = ("age", "sex", "bmi", "children", "smoker", "region")
CATEGORICAL = frozenset({"sex", "smoker", "region"})
INTEGER = frozenset({"age", "children"})
TARGET = "charges"
# The dtypes pandas gives the training CSV: the pipeline saw exactly these.
DTYPES = {name: "object" if name in CATEGORICAL else "int64" if name in INTEGER else "float64"
          for name in FIELDS}

LABELS = {"age": "Age", "sex": "Sex", "bmi": "BMI", "children": "Children",
          "smoker": "Smoker", "region": "Region"}

# Python's float() also takes "nan", "1_000" and " 12 ": a person typing into a form or a
# spreadsheet cell means none of those, so text must look like a plain decimal number.
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", re.ASCII)

Record = dict[str, Any]
Errors = dict[str, str]


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # "integer", "number" or "category"
    minimum: float | None = None
    maximum: float | None = None
    categories: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return LABELS[self.name]

    @property
    def step(self) -> str:
        return "1" if self.kind == "integer" else "0.01"

    def rule(self) -> str:
        """The rule in words, for the page and for error messages."""
        if self.kind == "category":
            return "one of " + ", ".join(self.categories)
        whole = "a whole number" if self.kind == "integer" else "a number"
        return f"{whole} from {_num(self.minimum)} to {_num(self.maximum)}"

    def parse(self, value: Any, *, typed: bool) -> Any:
        """The clean value, or raise ValueError with the message to show.

        typed=True is for JSON, where numbers must already be numbers and categories strings;
        typed=False is for form fields and CSV cells, which are always text.
        """
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValueError("is required")
        if self.kind == "category":
            return self._category(value)
        return self._number(value, typed)

    def _category(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"must be text: {self.rule()}")
        if value.strip() not in self.categories:
            raise ValueError(f"must be {self.rule()}")
        return value.strip()

    def _number(self, value: Any, typed: bool) -> int | float:
        if typed:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError("must be a number")
            try:
                number = float(value)
            except OverflowError:  # an int with hundreds of digits
                number = math.inf
        else:
            text = str(value).strip()
            if not PLAIN_NUMBER.fullmatch(text):
                raise ValueError("must be a number")
            number = float(text)
        if not math.isfinite(number):
            raise ValueError("must be a finite number")
        if self.kind == "integer" and not number.is_integer():
            raise ValueError("must be a whole number")
        if not self.minimum <= number <= self.maximum:
            raise ValueError(f"must be from {_num(self.minimum)} to {_num(self.maximum)}")
        return int(number) if self.kind == "integer" else number


class Schema:
    """The fields in training-column order, with the ranges training recorded."""

    def __init__(self, fields: list[Field]):
        self.fields = {f.name: f for f in fields}

    @classmethod
    def from_card(cls, card: Mapping) -> "Schema":
        inputs = card["inputs"]
        fields = []
        for name in FIELDS:
            spec = inputs[name]
            if name in CATEGORICAL:
                fields.append(Field(name, "category", categories=tuple(spec["categories"])))
            else:
                fields.append(Field(name, "integer" if name in INTEGER else "number",
                                    minimum=spec["min"], maximum=spec["max"]))
        return cls(fields)

    def __iter__(self):
        return iter(self.fields.values())

    def __getitem__(self, name: str) -> Field:
        return self.fields[name]

    def validate(self, raw: Mapping[str, Any], *, typed: bool = False) -> tuple[Record, Errors]:
        """Clean every field; return (record, {}) or (partial record, {field: message})."""
        record: Record = {}
        errors: Errors = {}
        for field in self:
            try:
                record[field.name] = field.parse(raw.get(field.name), typed=typed)
            except ValueError as exc:
                errors[field.name] = str(exc)
        return record, errors


def _num(value: float | None) -> str:
    return f"{value:g}"
