"""Score a whole CSV file: parse with pandas, validate every row with the form's rules, and
answer all rows or none, so nothing is ever scored half-way or silently dropped."""
from __future__ import annotations

import csv
import io
import re
from typing import Iterator

import numpy as np
import pandas as pd

from tabular.model import Model
from tabular.predict import classify, estimate
from tabular.schema import Record
from tabular.sheet import (MAX_COLUMNS, BatchError, Header, decode, output_columns,
                           read_header)

MAX_BYTES = 10 * 1024 * 1024  # the app's default MAX_CONTENT_LENGTH
MAX_ROWS = 50_000
# Memory follows the number of cells (each a Python string in pandas): bound that, not bytes.
MAX_CELLS = 1_000_000
ERRORS_SHOWN = 10
CHUNK_ROWS = 5_000
BOM = "\ufeff"
_TOO_MANY = re.compile(r"Expected \d+ fields in line (\d+)")
_OPEN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")


def score_csv(content: bytes, model: Model, max_rows: int = MAX_ROWS) -> bytes:
    """The uploaded CSV with the model's answer added (output_columns, see answers), as UTF-8
    CSV bytes (with the byte-order mark Excel needs when the upload had one),
    with the upload's separator and decimal mark.

    Read, checked, scored and written a chunk of rows at a time, so that memory follows the
    chunk, not the file."""
    text = decode(content)
    out = io.StringIO()
    out.write(BOM if text.startswith(BOM) else "")
    text = text.removeprefix(BOM)
    outputs = output_columns(model.target["name"], model.classes)
    header = read_header(text, model.schema, outputs)
    rows, problems, written = 0, [], False
    for chunk in read_chunks(text, header, max_rows):
        rows += len(chunk)
        records, found = validate_rows(chunk, model, header)
        problems += found
        if problems:  # nothing will be scored, but every chunk's problems are counted
            continue
        for name, values in zip(outputs, answers(records, model, header.dialect.decimal)):
            chunk[name] = values
        defuse_formulas(chunk).to_csv(out, header=not written, index=False,
                                      sep=header.dialect.sep, decimal=header.dialect.decimal)
        written = True
    if not rows:
        raise BatchError(["The file has a header but no rows to score."])
    if problems:
        shown = problems[:ERRORS_SHOWN]
        if len(problems) > ERRORS_SHOWN:
            shown.append(f"… and {len(problems) - ERRORS_SHOWN:,} more problems.")
        raise BatchError(["Nothing was scored: fix these cells and upload again."] + shown)
    return out.getvalue().encode()


def answers(records: list[Record], model: Model, decimal: str) -> list[list]:
    """The added columns' values, in output_columns' order: the estimate and its likely range
    to two decimals; or the predicted class, each class's probability to six decimals (text
    in the file's decimal mark, never 1e-05) and the likely set's classes joined by "|"."""
    if model.task != "classification":
        scored = estimate(records, model)
        return [[round(y, 2) for y in values] for values in (scored.values, scored.low,
                                                              scored.high)]
    found = classify(records, model)
    # A chunk of blank lines only has no rows, but still one column per class.
    columns = np.reshape(found.probabilities, (-1, len(model.classes))).T
    return [found.labels,
            *([f"{p:.6f}".replace(".", decimal) for p in column] for column in columns),
            ["|".join(labels) for labels in found.sets]]


def limits(max_bytes: int = MAX_BYTES) -> dict:
    """The upload limits, as the page and the API description state them."""
    return {"megabytes": max_bytes // (1024 * 1024), "rows": MAX_ROWS, "columns": MAX_COLUMNS}


def download_name(uploaded: str) -> str:
    """people.csv -> people-predictions.csv (".csv" -> predictions.csv), safe inside a
    Content-Disposition header. A .txt or .tsv upload (tab-separated, as Excel saves
    "Text") is answered as the same kind."""
    # Some browsers send a full path, with either slash; only its last part is the name.
    name = re.split(r"[\\/]", uploaded)[-1]
    stem, dot, kind = name.rpartition(".")
    stem, kind = (stem, kind.lower()) if dot else (name, "")
    safe = "".join(c if (c.isascii() and c.isalnum()) or c in "-_." else "_" for c in stem)
    prefix = safe[:100] + "-" if safe else ""
    return f"{prefix}predictions.{kind if kind in ('txt', 'tsv') else 'csv'}"


def read_chunks(text: str, header: Header, max_rows: int = MAX_ROWS) -> Iterator[pd.DataFrame]:
    """The rows, CHUNK_ROWS at a time: every cell as the text it was, indexed by its
    spreadsheet row number (the header is row 1), blank lines and empty nameless columns
    left out."""
    limit = min(max_rows, MAX_CELLS // len(header.names))
    # No nrows: it would count blank lines too, and cut a file short. Reading a chunk at a
    # time bounds the memory, and the count of rows with a value stops an over-long file.
    refuse_long_rows(text, header)
    rows = 0
    try:
        # pandas counts the index on across chunks, so row numbers stay the file's own.
        for chunk in pd.read_csv(io.StringIO(text), header=0, names=header.keys, dtype=str,
                                 sep=header.dialect.sep, keep_default_na=False,
                                 index_col=False, skip_blank_lines=False,
                                 chunksize=CHUNK_ROWS):
            chunk.index += 2
            chunk = drop_nameless(chunk, header)
            chunk = chunk[(chunk != "").any(axis=1)].copy()
            rows += len(chunk)
            if rows > limit:
                raise BatchError([f"The file has more than {limit:,} rows; split it into "
                                  f"parts (at most {max_rows:,} rows and {MAX_CELLS:,} "
                                  "cells)."])
            yield chunk
    except pd.errors.ParserError as exc:
        raise BatchError([_parser_message(str(exc), header)]) from None


def drop_nameless(chunk: pd.DataFrame, header: Header) -> pd.DataFrame:
    """The chunk without the columns that have no name; BatchError if one holds a value
    (an empty one is what a spreadsheet writes after a deleted column: ",,,")."""
    for key in header.nameless:
        filled = chunk[key].str.strip() != ""
        if filled.any():
            raise BatchError([f"Column {key[1:]} has values but no name in the header (row "
                              f"{filled.idxmax()} first). Name it in row 1, or delete the "
                              "column, and upload again."])
    return chunk.drop(columns=header.nameless)


def refuse_long_rows(text: str, header: Header) -> None:
    """BatchError for the first row with more cells than the header. pandas refuses such a
    row itself, except where it starts a chunk (or is the first row): with index_col=False
    it then drops the extra cells with only a warning. One pass of the csv module over the
    text finds them all, in a small part of what parsing costs."""
    width, sep = len(header.names), header.dialect.sep
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=sep),
                                     start=1):
            if len(row) > width:
                raise BatchError([_too_many_cells(number, header)])
    except csv.Error as exc:
        raise BatchError([f"The file could not be read as CSV ({exc})."]) from None


def _too_many_cells(row: int, header: Header) -> str:
    return (f"Row {row} has more cells than the header. Every row needs one cell per column, "
            f"separated by {header.dialect.name}.")


def _parser_message(error: str, header: Header) -> str:
    if match := _TOO_MANY.search(error):
        return _too_many_cells(int(match.group(1)), header)
    if match := _OPEN_QUOTE.search(error):
        return f"A quoted cell opened in row {int(match.group(1)) + 1} is never closed."
    return f"The file could not be read as CSV ({error.split(': ')[-1]})."


def validate_rows(table: pd.DataFrame, model: Model,
                  header: Header) -> tuple[list[dict], list[str]]:
    """Clean records for every row, and a message for each bad cell, named by the file's
    own column name."""
    records, problems = [], []
    # A column that may be blank and is not in the file reads as blank on every row
    # (read_header refuses a file with a column that looks like it: Schema.near_miss).
    present = [f for f in model.schema.names if f in header.columns]
    cells = table[[header.columns[f] for f in present]].set_axis(present, axis=1)
    for number, row in zip(table.index, cells.to_dict("records")):
        record, errors = model.schema.validate(row, decimal=header.dialect.decimal)
        records.append(record)
        problems += [f"Row {number}, {header.columns[field]}: {message}."
                     for field, message in errors.items()]
    return records, problems


def defuse_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """Quote text a spreadsheet would run as a formula (OWASP's advice on CSV injection),
    in the header and in every cell."""
    for name in table.columns:
        column = table[name]
        if column.dtype == object:
            risky = column.str.match(_FORMULA) & ~column.str.fullmatch(_NUMBER)
            if risky.any():
                table[name] = column.mask(risky, "'" + column)
    table.columns = ["'" + name if _FORMULA.match(name) else name for name in table.columns]
    return table


# A formula starts, after any white space, with one of these (fullwidth forms included,
# which some spreadsheets also accept). Numbers such as -3.5 or -3,5 are left alone: digits
# and marks alone cannot call anything.
_FORMULA = re.compile(r"\s*[=+\-@\uff1d\uff0b\uff0d\uff20]")
_NUMBER = re.compile(r"[+-]?(?=[.,]?\d)[\d.,]*([eE][+-]?\d+)?", re.ASCII)
