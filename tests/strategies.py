"""Hypothesis strategies for the property tests of the form, the JSON API and the CSV upload:
any input gets a prediction equal to the pipeline's, or a 4xx with messages; never a 5xx.

Each value is valid about four times in five, so a good share of the inputs are wholly
# valid and the prediction branch is exercised as much as the refusal branch.
"""
import json

from hypothesis import HealthCheck, settings, strategies as st

from app import ROOT
from tabular.schema import Schema
from tests.support import FIELDS

# Function-scoped fixtures (the client) are fine here: each example makes its own request.
FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

SCHEMA = Schema.from_card(json.loads((ROOT / "deployment.json").read_text()))
JUNK_TEXT = st.one_of(st.text(max_size=8), st.sampled_from(
    ["", " ", "1e309", "NaN", "-0", "1_0", "0x1", "MALE", "Yes", "65", "15.95", "2.5", "١٩"]))
JUNK_JSON = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(),
                      st.text(max_size=6), st.lists(st.integers(), max_size=2))


def valid(field):
    if field.kind == "category":
        return st.sampled_from(field.categories)
    if field.kind == "integer":
        return st.integers(int(field.minimum), int(field.maximum))
    return st.floats(field.minimum, field.maximum).map(lambda x: round(x, 2)).filter(
        lambda x: field.minimum <= x <= field.maximum)


def mostly_valid(good, junk):
    return st.sampled_from([True] * 4 + [False]).flatmap(lambda ok: good if ok else junk)


FORM = st.fixed_dictionaries({f.name: mostly_valid(valid(f).map(str), JUNK_TEXT) for f in SCHEMA})
PERSON_JSON = st.fixed_dictionaries({f.name: mostly_valid(valid(f), JUNK_JSON) for f in SCHEMA})
CSV_ROW = st.lists(st.one_of(FORM.map(lambda f: [f[name] for name in FIELDS]),
                             st.lists(JUNK_TEXT, max_size=7)), max_size=4)
