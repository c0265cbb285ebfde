"""Score a whole CSV file: parse with pandas, validate every row with the form's rules, and
answer all rows or none, so nothing is ever scored half-way or silently dropped."""
from __future__ import annotations

import io
import re
import warnings

import pandas as pd

from charges.model import Model
from charges.predict import predict
from charges.schema import FIELDS, PLAIN_NUMBER

MAX_ROWS = 100_000
ERRORS_SHOWN = 10
OUTPUT_COLUMN = "predicted_charges"
_LINE = re.compile(r"line (\d+)")


class BatchError(ValueError):
    """The file is refused; `messages` says why, in words for the person who sent it."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


def score_csv(content: bytes, model: Model, max_rows: int = MAX_ROWS) -> bytes:
    """The uploaded CSV with a `predicted_charges` column added, as UTF-8 CSV bytes."""
    table = read_table(content, max_rows)
    records = validate_rows(table, model)
    table[OUTPUT_COLUMN] = [round(y, 2) for y in predict(records, model)]
    return defuse_formulas(table).to_csv(index=False).encode()


def read_table(content: bytes, max_rows: int = MAX_ROWS) -> pd.DataFrame:
    """Every cell as the text it was, with the header checked."""
    if not content.strip():
        raise BatchError(["The file is empty."])
    try:
        text = content.decode("utf-8-sig")  # the BOM that Excel writes is not part of a name
    except UnicodeDecodeError as exc:
        raise BatchError([f"The file is not UTF-8 text (byte {exc.start + 1} is not valid). "
                          "Save it as “CSV UTF-8” and upload it again."]) from None
    try:
        with warnings.catch_warnings():
            # pandas only warns when every row is longer than the header; make that an error.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                                index_col=False, nrows=max_rows + 1, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        line = _LINE.search(str(exc))
        where = f"Row {line.group(1)}" if line else "A row"
        raise BatchError([f"{where} has more cells than the header. Every row needs one cell "
                          "per column, separated by commas."]) from None
    except pd.errors.EmptyDataError:
        raise BatchError(["The file is empty."]) from None
    _check_header(table)
    if table.empty:
        raise BatchError(["The file has a header but no rows to score."])
    if len(table) > max_rows:
        raise BatchError([f"The file has more than {max_rows:,} rows; split it into parts."])
    return table


def _check_header(table: pd.DataFrame) -> None:
    missing = [name for name in FIELDS if name not in table.columns]
    if not missing:
        return
    if len(table.columns) == 1 and any(sep in table.columns[0] for sep in ";\t|"):
        raise BatchError(["The values are not separated by commas. Save the file as CSV "
                          "with commas between values."])
    raise BatchError([f"The header lacks the column{'s' if len(missing) > 1 else ''} "
                      f"{', '.join(missing)}. It needs {', '.join(FIELDS)} (in any order; "
                      "other columns are kept)."])


def validate_rows(table: pd.DataFrame, model: Model) -> list[dict]:
    """Clean records for every row, or BatchError naming the first bad cells."""
    records, problems = [], []
    for number, row in enumerate(table[list(FIELDS)].to_dict("records"), start=2):
        record, errors = model.schema.validate(row)
        records.append(record)
        # Rows are numbered as a spreadsheet shows them: the header is row 1.
        problems += [f"Row {number}, {field}: {message}." for field, message in errors.items()]
    if problems:
        shown = problems[:ERRORS_SHOWN]
        if len(problems) > ERRORS_SHOWN:
            shown.append(f"… and {len(problems) - ERRORS_SHOWN:,} more problems.")
        raise BatchError(["Nothing was scored: fix these cells and upload again."] + shown)
    return records


def defuse_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """Quote text a spreadsheet would run as a formula (OWASP's advice on CSV injection),
    in the header and in every text cell."""
    text_columns = [c for c in table.columns if table[c].dtype == object]
    table[text_columns] = table[text_columns].map(_defuse)
    table.columns = [_defuse(c) for c in table.columns]
    return table


def _defuse(cell):
    # Plain numbers such as -3.5 stay as they are: spreadsheets read them as numbers.
    if (isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r")
            and not PLAIN_NUMBER.fullmatch(cell)):
        return "'" + cell
    return cell
