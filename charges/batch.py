"""Score a whole CSV file: parse with pandas, validate every row with the form's rules, and
answer all rows or none, so nothing is ever scored half-way or silently dropped."""
from __future__ import annotations

import csv
import io
import re
from typing import Iterator

import pandas as pd

from charges.model import Model
from charges.predict import estimate
from charges.schema import FIELDS, PLAIN_NUMBER

MAX_BYTES = 10 * 1024 * 1024  # the app's default MAX_CONTENT_LENGTH
MAX_ROWS = 50_000
MAX_COLUMNS = 100
# Memory follows the number of cells (each a Python string in pandas): bound that, not bytes.
MAX_CELLS = 1_000_000
ERRORS_SHOWN = 10
CHUNK_ROWS = 5_000
# What a download adds, in this order; an upload that has any of them already is refused.
OUTPUT_COLUMNS = ("predicted_charges", "predicted_low", "predicted_high")
BOM = "\ufeff"
_TOO_MANY = re.compile(r"Expected \d+ fields in line (\d+)")
_OPEN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")


class BatchError(ValueError):
    """The file is refused; `messages` says why, in words for the person who sent it."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


def score_csv(content: bytes, model: Model, max_rows: int = MAX_ROWS) -> bytes:
    """The uploaded CSV with the estimate and its likely range added (OUTPUT_COLUMNS, to the
    cent), as UTF-8 CSV bytes (with the byte-order mark Excel needs when the upload had one).

    Read, checked, scored and written a chunk of rows at a time, so that memory follows the
    chunk, not the file."""
    text = decode(content)
    out = io.StringIO()
    out.write(BOM if text.startswith(BOM) else "")
    rows, problems, written = 0, [], False
    for chunk in read_chunks(text, max_rows):
        rows += len(chunk)
        records, found = validate_rows(chunk, model)
        problems += found
        if problems:  # nothing will be scored, but every chunk's problems are counted
            continue
        scored = estimate(records, model)
        for name, values in zip(OUTPUT_COLUMNS, (scored.values, scored.low, scored.high)):
            chunk[name] = [round(y, 2) for y in values]
        defuse_formulas(chunk).to_csv(out, header=not written, index=False)
        written = True
    if not rows:
        raise BatchError(["The file has a header but no rows to score."])
    if problems:
        shown = problems[:ERRORS_SHOWN]
        if len(problems) > ERRORS_SHOWN:
            shown.append(f"… and {len(problems) - ERRORS_SHOWN:,} more problems.")
        raise BatchError(["Nothing was scored: fix these cells and upload again."] + shown)
    return out.getvalue().encode()


def limits(max_bytes: int = MAX_BYTES) -> dict:
    """The upload limits, as the page and the API description state them."""
    return {"megabytes": max_bytes // (1024 * 1024), "rows": MAX_ROWS, "columns": MAX_COLUMNS}


def download_name(uploaded: str) -> str:
    """people.csv -> people-predictions.csv, safe inside a Content-Disposition header."""
    # Some browsers send a full path, with either slash; only its last part is the name.
    stem = re.split(r"[\\/]", uploaded)[-1].rsplit(".", 1)[0] or "insurance"
    safe = "".join(c if (c.isascii() and c.isalnum()) or c in "-_." else "_" for c in stem)
    return f"{safe[:100]}-predictions.csv"


def decode(content: bytes) -> str:
    if not content.strip():
        raise BatchError(["The file is empty."])
    if b"\0" in content:
        raise BatchError(["The file contains NUL bytes: it is not a text CSV file."])
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BatchError([f"The file is not UTF-8 text (byte {exc.start + 1} is not valid). "
                          "Save it as “CSV UTF-8” and upload it again."]) from None


def read_chunks(text: str, max_rows: int = MAX_ROWS) -> Iterator[pd.DataFrame]:
    """The rows, CHUNK_ROWS at a time: every cell as the text it was, indexed by its
    spreadsheet row number (the header is row 1), blank lines left out."""
    text = text.removeprefix(BOM)
    header = read_header(text)
    limit = min(max_rows, MAX_CELLS // len(header))
    # No nrows: it would count blank lines too, and cut a file short. Reading a chunk at a
    # time bounds the memory, and the count of rows with a value stops an over-long file.
    refuse_long_rows(text, len(header))
    rows = 0
    try:
        # pandas counts the index on across chunks, so row numbers stay the file's own.
        for chunk in pd.read_csv(io.StringIO(text), header=0, names=header, dtype=str,
                                 keep_default_na=False, index_col=False,
                                 skip_blank_lines=False, chunksize=CHUNK_ROWS):
            chunk.index += 2
            chunk = chunk[(chunk != "").any(axis=1)].copy()
            rows += len(chunk)
            if rows > limit:
                raise BatchError([f"The file has more than {limit:,} rows; split it into "
                                  f"parts (at most {max_rows:,} rows and {MAX_CELLS:,} "
                                  "cells)."])
            yield chunk
    except pd.errors.ParserError as exc:
        raise BatchError([_parser_message(str(exc))]) from None


def refuse_long_rows(text: str, width: int) -> None:
    """BatchError for the first row with more cells than the header. pandas refuses such a
    row itself, except where it starts a chunk (or is the first row): with index_col=False
    it then drops the extra cells with only a warning. One pass of the csv module over the
    text finds them all, in a small part of what parsing costs."""
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            if len(row) > width:
                raise BatchError([_too_many_cells(number)])
    except csv.Error as exc:
        raise BatchError([f"The file could not be read as CSV ({exc})."]) from None


def read_header(text: str) -> list[str]:
    """The column names, checked before pandas would quietly rename or invent any."""
    try:
        first = next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error as exc:
        raise BatchError([f"The header could not be read as CSV ({exc})."]) from None
    header = [name.strip() for name in first]
    if not any(header):
        raise BatchError(["The first line must be a header naming the columns."])
    if len(header) > MAX_COLUMNS:
        raise BatchError([f"The file has {len(header):,} columns; at most {MAX_COLUMNS} "
                          "are accepted."])
    if "" in header:
        raise BatchError([f"Column {header.index('') + 1} of the header has no name."])
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise BatchError([f"The header names {', '.join(repeated)} more than once."])
    taken = [name for name in OUTPUT_COLUMNS if name in header]
    if taken:  # writing over them would lose what the file says there
        raise BatchError([f"The file already has a {taken[0]} column; remove or rename it "
                          "and upload again."])
    missing = [name for name in FIELDS if name not in header]
    if missing and len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
        raise BatchError(["The values are not separated by commas. Save the file as CSV "
                          "with commas between values."])
    if missing:
        raise BatchError([f"The header lacks the column{'s' if len(missing) > 1 else ''} "
                          f"{', '.join(missing)}. It needs {', '.join(FIELDS)} (in any "
                          "order; other columns are kept)."])
    return header


def _too_many_cells(row: int) -> str:
    return (f"Row {row} has more cells than the header. Every row needs one cell per column, "
            "separated by commas.")


def _parser_message(error: str) -> str:
    if match := _TOO_MANY.search(error):
        return _too_many_cells(int(match.group(1)))
    if match := _OPEN_QUOTE.search(error):
        return f"A quoted cell opened in row {int(match.group(1)) + 1} is never closed."
    return f"The file could not be read as CSV ({error.split(': ')[-1]})."


def validate_rows(table: pd.DataFrame, model: Model) -> tuple[list[dict], list[str]]:
    """Clean records for every row, and a message for each bad cell."""
    records, problems = [], []
    for number, row in zip(table.index, table[list(FIELDS)].to_dict("records")):
        record, errors = model.schema.validate(row)
        records.append(record)
        problems += [f"Row {number}, {field}: {message}." for field, message in errors.items()]
    return records, problems


def defuse_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """Quote text a spreadsheet would run as a formula (OWASP's advice on CSV injection),
    in the header and in every cell."""
    for name in table.columns:
        column = table[name]
        if column.dtype == object:
            risky = column.str.match(_FORMULA) & ~column.str.fullmatch(PLAIN_NUMBER)
            if risky.any():
                table[name] = column.mask(risky, "'" + column)
    table.columns = ["'" + name if _FORMULA.match(name) else name for name in table.columns]
    return table


# A formula starts, after any white space, with one of these (fullwidth forms included,
# which some spreadsheets also accept). Plain numbers such as -3.5 are numbers, left alone.
_FORMULA = re.compile(r"\s*[=+\-@\uff1d\uff0b\uff0d\uff20]")
