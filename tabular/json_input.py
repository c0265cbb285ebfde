"""The JSON API's input parsed into validated records: one object with the card's inputs as
keys, or a list of them.

Errors come back as {"row": i, "field": name, "message": text}; `row` is the index in the
list (0 for a single object) and null for problems with the body as a whole."""
from __future__ import annotations

import json
from typing import Any

from tabular.schema import Record, Schema

MAX_ITEMS = 10_000
ERRORS_SHOWN = 100


class ApiError(ValueError):
    """The request is refused; `errors` is the list the client gets, `status` its HTTP code."""

    def __init__(self, errors: list[dict], status: int):
        super().__init__(errors)
        self.errors = errors
        self.status = status


def body_error(message: str) -> ApiError:
    return ApiError([{"row": None, "field": None, "message": message}], 400)


def parse_body(body: bytes, schema: Schema, max_items: int = MAX_ITEMS) -> list[Record]:
    """Validated records from a JSON body, or ApiError (400 for the body, 422 for values)."""
    try:
        payload = json.loads(body, parse_constant=_reject_constant,
                             object_pairs_hook=_unique_keys)
    except _Refused as exc:
        raise body_error(str(exc)) from None
    except ValueError:  # JSONDecodeError and UnicodeDecodeError both
        raise body_error("the body is not valid JSON") from None
    except RecursionError:
        raise body_error("the body is nested too deeply") from None
    items = [payload] if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        raise body_error(f"send one object with the {_count(len(schema.fields))} fields, or a "
                         "list of such objects")
    if not items:
        raise body_error("the list is empty; send at least one object")
    if len(items) > max_items:
        raise body_error(f"the list has {len(items):,} objects; send at most {max_items:,}")
    records, errors, seen = [], [], {}
    for row, item in enumerate(items):
        if not isinstance(item, dict):
            errors.append({"row": row, "field": None, "message": "must be an object"})
            continue
        record, problems = schema.validate(item, typed=True)
        records.append(record)
        # A misspelt optional input would otherwise read as blank: a silent wrong answer.
        errors += [{"row": row, "field": key, "message": f"{key} is not an input; did you "
                    f"mean {near}?"} for key in item if (near := _near(key, schema, seen))]
        errors += [{"row": row, "field": field, "message": f"{field} {message}"}
                   for field, message in problems.items()]
    if len(errors) > ERRORS_SHOWN:  # 10,000 bad rows need not mean megabytes of errors
        more = len(errors) - ERRORS_SHOWN
        errors = errors[:ERRORS_SHOWN] + [{"row": None, "field": None,
                                           "message": f"… and {more:,} more errors"}]
    if errors:
        raise ApiError(errors, 422)
    return records


def _near(key: str, schema: Schema, seen: dict) -> str | None:
    """schema.near_miss(key), worked out once per key for a list of many objects."""
    if key not in seen:
        seen[key] = schema.near_miss(key)
    return seen[key]


class _Refused(ValueError):
    """Valid to Python's json module, but not an acceptable request."""


def _reject_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity, which are not JSON; say so rather than predict.
    raise _Refused(f"{name} is not a JSON number; send a finite number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    # With a key twice, which value counts is up to the parser; refuse rather than guess.
    keys = [key for key, _ in pairs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise _Refused(f"the key {repeated[0]!r} appears more than once in an object")
    return dict(pairs)


def _count(n: int) -> str:
    """6 -> "six": a count as the API's messages spell it."""
    return "one two three four five six seven eight nine ten".split()[n - 1] \
        if 1 <= n <= 10 else str(n)
