"""The form's fields as the page shows them, worked out once per model: each input's HTML id,
hint and aria-describedby, whatever its column is called (docs/card.md)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from tabular.schema import Field, Schema

ID_SUFFIXES = ("", "-hint", "-help", "-error")  # the ids the form derives from a field's


@dataclass(frozen=True)
class FormField:
    field: Field
    id: str
    hint: str  # the rule, and whether it may be left blank; "" for a category that must be set
    described: str  # aria-describedby of the valid input
    described_error: str  # ... and of the input with its error


def form_fields(schema: Schema) -> list[FormField]:
    out = []
    for field, id_ in zip(schema, field_ids(schema).values()):
        hint = field.rule() if field.kind != "category" else ""
        if field.blank:
            hint = hint + "; may be left blank" if hint else "May be left blank."
        described = [id_ + "-help"] * bool(field.help) + [id_ + "-hint"] * bool(hint)
        out.append(FormField(field, id_, hint, " ".join(described),
                             " ".join(described + [id_ + "-error"])))
    return out


def field_ids(schema: Schema) -> dict[str, str]:
    """An HTML id for each input, whatever its column name ("Model Year", "yrs.since.phd"):
    "field-" and the name's letters and digits, lower case, with a number added where two
    names (or one's -hint/-help/-error ids) would meet. The prefix keeps them apart from the
    page's own ids."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for name in schema.names:
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "input"
        candidate, n = f"field-{slug}", 1
        while any(candidate + suffix in taken for suffix in ID_SUFFIXES):
            n += 1
            candidate = f"field-{slug}-{n}"
        ids[name] = candidate
        taken.update(candidate + suffix for suffix in ID_SUFFIXES)
    return ids
