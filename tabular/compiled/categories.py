"""category_encoders' OrdinalEncoder and OneHotEncoder replayed on numpy columns as lookups.

category_encoders maps a column with pandas: a hash lookup per value, and pandas' idea of
missing for the values that are not categories. Here each encoded column becomes a table
with a row of outputs per category, plus one for a missing value and one for any other.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tabular.compiled.replay import Replay
from tabular.compiled.unsupported import Unsupported

# Up to this many values, a dict lookup each (a form POST: nothing to set up); beyond it,
# pandas hashes the column in C once and only its distinct values are looked up.
FEW_ROWS = 64


@dataclass(frozen=True)
class Codes:
    """category_encoders' ordinal codes for one column."""
    of_category: dict[Any, float]
    missing: float  # for a value pandas counts as missing
    unknown: float  # for any other value that is not a category


def ordinal_codes(encoder: Any) -> dict[str, Codes]:
    """The codes of each column a category_encoders OrdinalEncoder encodes."""
    if encoder.handle_unknown not in ("value", "return_nan"):
        raise Unsupported(f"{type(encoder).__name__}(handle_unknown={encoder.handle_unknown!r})")
    unknown = -1.0 if encoder.handle_unknown == "value" else np.nan  # its fillna(-1)
    codes = {}
    for switch in encoder.mapping:
        items = [(k, float(v)) for k, v in switch["mapping"].items()]
        missing = next((v for k, v in items if pd.isna(k)), unknown)
        if encoder.handle_missing == "return_nan":  # applied last, to every -2
            items = [(k, np.nan if v == -2 else v) for k, v in items]
            missing = np.nan if missing == -2 else missing
        of_category = {k: v for k, v in items if not pd.isna(k)}
        codes[switch["col"]] = Codes(of_category, missing=missing, unknown=unknown)
    return codes


@dataclass(frozen=True)
class CategoryRows:
    """One encoded column as a table: each value's category picks a row of outputs."""
    row_of: dict[Any, int]  # category -> its row
    rows: np.ndarray  # one per category, then the missing row, then the unknown row (last)
    names: tuple[str, ...]  # the output columns, one per entry of a row

    @classmethod
    def of(cls, column: str, codes: Codes, dummies: pd.DataFrame | None) -> CategoryRows:
        """The code itself (ordinal), or the dummies OneHotEncoder expands it to."""
        at = [*codes.of_category.values(), codes.missing, codes.unknown]
        row_of = {category: i for i, category in enumerate(codes.of_category)}
        if dummies is None:
            return cls(row_of, np.array(at, np.float64).reshape(-1, 1), (column,))
        dummies = dummies.astype(np.float64)
        rows = np.array([_dummies(dummies, code) for code in at], np.float64)
        return cls(row_of, rows, tuple(dummies.columns))

    def lookup(self, x: np.ndarray) -> np.ndarray:
        """Each value's row (values x outputs)."""
        x = np.asarray(x, dtype=object)
        missing = len(self.row_of)
        if len(x) <= FEW_ROWS:
            at = np.fromiter((self.row_of.get(v, -1) for v in x), dtype=np.intp, count=len(x))
            other = np.flatnonzero(at < 0)  # -1 picks the last row: unknown
            if len(other):
                at[other[pd.isna(x[other])]] = missing
            return self.rows[at]
        seen, distinct = pd.factorize(x)  # missing values are seen as -1
        at = np.array([self.row_of.get(v, -1) for v in distinct] + [missing], dtype=np.intp)
        return self.rows[at[seen]]


def _dummies(table: pd.DataFrame, code: float) -> np.ndarray:
    # OneHotEncoder.get_dummies reindexes its table by code, NaN read as -2: absent codes
    # (NaN for an unknown category under return_nan) give a row of NaN.
    code = -2 if np.isnan(code) else code
    return table.loc[code].to_numpy() if code in table.index else np.full(table.shape[1], np.nan)


@dataclass(frozen=True)
class Encoder(Replay):
    """category_encoders' OrdinalEncoder or OneHotEncoder: a table per encoded column;
    the other inputs pass through."""
    tables: dict[str, CategoryRows]

    @classmethod
    def of(cls, t: Any, include: tuple[str, ...]) -> Encoder:
        if "error" in (t.handle_unknown, t.handle_missing) or t.drop_invariant:
            raise Unsupported(f"{type(t).__name__} raising on new categories or dropping columns")
        inner = getattr(t, "ordinal_encoder", None)  # a OneHotEncoder codes, then expands codes
        if inner is None:
            tables = {c: CategoryRows.of(c, codes, None) for c, codes in ordinal_codes(t).items()}
        else:
            dummies = {s["col"]: s["mapping"] for s in t.mapping}
            tables = {c: CategoryRows.of(c, codes, dummies[c])
                      for c, codes in ordinal_codes(inner).items()}
        outputs = tuple(name for column in include
                        for name in (tables[column].names if column in tables else (column,)))
        return cls(include, outputs, tables=tables)

    def __call__(self, xs):
        out = []
        for column, x in zip(self.inputs, xs):
            table = self.tables.get(column)
            out.extend([x] if table is None else table.lookup(x).T)
        return out
