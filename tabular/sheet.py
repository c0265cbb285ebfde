"""An uploaded file as spreadsheets write CSV: what kind of file it is, its text, its
separator and decimal mark, and its header matched to the training columns.

Rules and reasons: docs/uploads.md."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Sequence

from tabular.schema import Schema

MAX_COLUMNS = 100
SAVE_AS_CSV = "In Excel choose File › Save As › CSV UTF-8, then upload that."


class BatchError(ValueError):
    """The file is refused; `messages` says why, in words for the person who sent it."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Dialect:
    """How the file separates values and writes decimals; the download is written the same
    way, so the spreadsheet that wrote the upload opens the answer as it opened the upload."""
    sep: str
    decimal: str
    name: str


COMMA = Dialect(",", ".", "commas")
# Excel and LibreOffice in most of Europe write ";" between values and "27,9" for decimals.
SEMICOLON = Dialect(";", ",", "semicolons")
TAB = Dialect("\t", ".", "tabs")
DIALECTS = (COMMA, SEMICOLON, TAB)


@dataclass(frozen=True)
class Header:
    names: list[str]         # as the file names them, trimmed; "" where a column has no name
    columns: dict[str, str]  # training column -> the file's name for it
    dialect: Dialect

    @property
    def nameless(self) -> list[str]:
        """Stand-in names (NUL is refused in a file, so none is a real one) for read_csv."""
        return [key for key, name in zip(self.keys, self.names) if not name]

    @property
    def keys(self) -> list[str]:
        return [name or f"\0{letter(i)}" for i, name in enumerate(self.names)]


def output_columns(target: str, classes: Sequence[str] = ()) -> tuple[str, ...]:
    """What a download adds, in this order: the estimate and its likely range, or for a
    classifier (its classes given) the predicted class, each class's probability and the
    likely set. An upload that has any of them already is refused."""
    if not classes:
        return f"predicted_{target}", "predicted_low", "predicted_high"
    return (f"predicted_{target}", *(f"probability_{label}" for label in classes),
            f"likely_{target}")


def letter(index: int) -> str:
    """A column's name as a spreadsheet shows it: 0 -> A, 25 -> Z, 26 -> AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def refuse_other_files(content: bytes) -> None:
    """A workbook or UTF-16 text is not CSV: say what it is and how to save CSV from it,
    before its bytes are read as text (recognised by content, whatever its name)."""
    if content.startswith(b"PK\x03\x04"):  # a ZIP archive: .xlsx, .ods, …
        if b"application/vnd.oasis.opendocument.spreadsheet" in content[:200]:
            raise BatchError(["This is a LibreOffice (OpenDocument) spreadsheet, not a CSV "
                              "file. In LibreOffice choose File › Save a Copy, pick “Text CSV”"
                              " with the character set UTF-8, then upload that."])
        if b"xl/" in content:
            raise BatchError(["This is an Excel workbook, not a CSV file. " + SAVE_AS_CSV])
        raise BatchError(["This is a ZIP archive, not a CSV file. Save the sheet as CSV "
                          "UTF-8 in the program that made it, then upload that."])
    if content.startswith(bytes.fromhex("D0CF11E0A1B11AE1")):  # OLE2: Excel 97-2003 .xls
        raise BatchError(["This is an Excel workbook, not a CSV file. " + SAVE_AS_CSV])
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BatchError(["This file is UTF-16 text (Excel's “Unicode Text”), not a CSV "
                          "file. " + SAVE_AS_CSV])


def decode(content: bytes) -> str:
    if not content.strip():
        raise BatchError(["The file is empty."])
    refuse_other_files(content)
    if b"\0" in content:
        raise BatchError(["The file contains NUL bytes: it is not a text CSV file."])
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BatchError([_not_utf8(content, exc.start)]) from None


def _not_utf8(content: bytes, at: int) -> str:
    """Which spreadsheet row holds the first byte that is not UTF-8, and the text around it
    read as Windows-1252 (what Excel writes as plain "CSV" on Windows)."""
    before = content[:at].decode("utf-8")
    # A newline inside quotes stays in its cell; outside, it starts the next row.
    row = 1 + sum(part.count("\n") for part in before.split('"')[::2])
    start = max(content.rfind(sep, 0, at) for sep in (b",", b";", b"\t", b"\n", b'"')) + 1
    ends = [i for i in (content.find(sep, at) for sep in (b",", b";", b"\t", b"\r", b"\n", b'"'))
            if i >= 0]
    word = content[max(start, at - 30):min(ends + [at + 30])].decode("cp1252", "replace")
    return (f"Row {row} has a character that is not UTF-8 text, in “{word}”: the file was "
            "saved in another encoding (such as Windows-1252). " + SAVE_AS_CSV)


def read_header(text: str, schema: Schema, outputs: Sequence[str]) -> Header:
    """The column names, in the file's dialect, checked before pandas would quietly rename
    or invent any. The dialect is the one whose reading of the first line finds the most
    training columns (commas when none does better). A column that may be left blank may
    also be left out. `outputs`: the columns the download adds (output_columns)."""
    parsed, failed = [], []
    for dialect in DIALECTS:
        try:
            parsed.append((_names(text, dialect), dialect))
        except csv.Error as exc:  # e.g. a whole comma header as one over-long field
            failed.append((dialect, exc))
    names, dialect = max(parsed, key=lambda found: len(match(found[0], schema)[0]),
                         default=([], COMMA))
    columns, missing, doubled = match(names, schema)
    if failed and failed[0][0] is COMMA and not columns:
        raise BatchError([f"The header could not be read as CSV ({failed[0][1]})."])
    if not any(names):
        raise BatchError(["The first line must be a header naming the columns."])
    if len(names) > MAX_COLUMNS:
        raise BatchError([f"The file has {len(names):,} columns; at most {MAX_COLUMNS} "
                          "are accepted."])
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if repeated:
        raise BatchError([f"The header names {', '.join(repeated)} more than once."])
    added = {name.casefold() for name in outputs}
    taken = [name for name in names if name.casefold() in added]
    if taken:  # writing over them would lose what the file says there
        raise BatchError([f"The file already has a {taken[0]} column; remove or rename it "
                          "and upload again."])
    if doubled:
        field, found = doubled
        raise BatchError([f"The header has {len(found)} columns for {field} "
                          f"({', '.join(found)}); keep one and upload again."])
    if missing and len(names) == 1 and "|" in names[0]:
        raise BatchError(["The values are separated by “|”, not by commas. Save the file as "
                          "CSV, with commas (or semicolons, or tabs) between values."])
    hints = _near_misses(names, columns, schema)
    if missing:
        raise BatchError([f"The header lacks the column{'s' if len(missing) > 1 else ''} "
                          f"{', '.join(missing)}. It needs {', '.join(schema.names)} (in "
                          "any order, in any letter case; other columns are kept)."] + hints)
    if hints:  # an input that may be blank would otherwise read as blank on every row
        raise BatchError(hints)
    return Header(names, columns, dialect)


def _near_misses(names: list[str], columns: dict[str, str], schema: Schema) -> list[str]:
    """A message for each column the file has that is not a training column but looks
    like one the file lacks (Schema.near_miss)."""
    absent = [field for field in schema.names if field not in columns]
    found = [(name, schema.near_miss(name, absent)) for name in names
             if name and name not in columns.values()]
    return [f"The column “{name}” looks like {field}: name it {field} (or delete it) and "
            "upload again." for name, field in found if field]


def _names(text: str, dialect: Dialect) -> list[str]:
    first = next(csv.reader(io.StringIO(text, newline=""), delimiter=dialect.sep), [])
    return [name.strip() for name in first]


def match(names: list[str], schema: Schema) -> tuple[dict[str, str], list[str], tuple | None]:
    """({training column: the file's name for it}, [required training columns not found],
    (a training column, [the file's names for it]) where the file has it more than once).

    A name matches ignoring letter case, except where two training columns differ only by
    case: those need their exact spelling."""
    columns, missing, doubled = {}, [], None
    fields = schema.names
    for field in fields:
        exact = any(other != field and other.casefold() == field.casefold() for other in fields)
        found = [name for name in names
                 if (name == field if exact else name.casefold() == field.casefold())]
        if len(found) > 1:
            doubled = doubled or (field, found)
        if found:
            columns[field] = found[0]
        elif not schema[field].blank:
            missing.append(field)
    return columns, missing, doubled
