"""The sentences the pages and the API description show: the card's "words", else a default
that fits any data set and the model's task. The keys, their placeholders and the insurance
values: docs/card.md."""
from __future__ import annotations

import string
from typing import Mapping

from tabular.model import task_of

# key -> (default, the placeholders it may use besides {Target}, the target's label as the
# card gives it, and {target}, the same within a sentence: "Yearly charges" -> "yearly charges",
# while "BMI" or "mpg" stay as they are)
KEYS: dict[str, tuple[str, tuple[str, ...]]] = {
    "title": ("{Target} predictor", ()),
    "footer": ("A PyCaret regression model served with Flask. Estimates only.", ()),
    "question": ("What would the {target} be?", ()),
    "intro": ("Fill in the fields below. The model estimates the {target} from {rows} rows "
              "of training data.", ("rows",)),
    "submit": ("Estimate", ()),
    "result": ("Expected {target}", ()),
    "range_meaning": ("For {share} rows like this one, the {target} fell within such a "
                      "range.", ("share",)),
    "above_top": ("About {above} rows in the data ({group}) were above its top.",
                  ("above", "group")),
    "percentile": ("Higher than {percentile}% of the rows in the data.", ("percentile",)),
    "chart_title": ("{Target} of the {rows} rows in the data; this estimate, {value}, is "
                    "marked with its likely range, {low} to {high}: higher than "
                    "{percentile}% of them.", ("rows", "value", "low", "high", "percentile")),
    "chart_caption": ("How the {target} was spread in the training data. The red line is "
                      "this estimate; the shaded band, its likely range.", ()),
    "bar": ("{share}% of rows", ("share",)),
    "caveat": ("", ()),
    "what_if_intro": ("The same row with one thing changed:", ()),
    "what_if_column": ("{Target}", ()),
    "model_intro": ("A {model} trained with PyCaret on {rows} rows to predict the {target}",
                    ("model", "rows")),
    "interval_intro": ("Every estimate comes with a range that holds the {target} of {share} "
                       "rows like that one ({percent}), calibrated separately for each group "
                       "below on rows the model had not seen.", ("share", "percent")),
    "rows_column": ("Rows", ()),
    "above_column": ("Above", ()),
    "holdout_heading": ("Checked on rows the model had not seen", ()),
    "holdout_intro": ("The {holdout} rows held out: the ranges calibrated on the other "
                      "{train} alone and applied to the model fitted on them.",
                      ("holdout", "train")),
    "within_column": ("Within the range", ()),
    "everyone": ("All rows", ()),
    "target_range": ("{Target} ranged from {min} to {max} (median {median}, mean "
                     "{mean}).", ("min", "max", "median", "mean")),
    "api_summary": ("Predict the {target}", ()),
    "api_note": ("Estimates only.", ()),
    "api_record": ("Record", ()),
    "api_ok": ("one prediction per record", ()),
    "api_predictions": ("the expected {target} of each record, in input order", ()),
    "api_intervals": ("the likely range of each prediction, in the same order: {percent} of "
                      "rows like that one had a {target} within it, as measured on rows the "
                      "model had not seen (low <= prediction <= high)", ("percent",)),
    "api_coverage": ("the share of rows whose {target} a range holds", ()),
}


# A classifier's defaults where regression's would be wrong: the same keys, with the same
# placeholders, so a card's "words" override them alike. "range_meaning", "interval_intro",
# "holdout_intro", "within_column" and "api_intervals" speak of the likely set there.
CLASSIFICATION: dict[str, str] = {
    "footer": "A PyCaret classification model served with Flask. Probabilities, not "
              "certainties.",
    "intro": "Fill in the fields below. The model predicts the {target} from {rows} rows of "
             "training data.",
    "submit": "Predict",
    "result": "Predicted {target}",
    "range_meaning": "Sets made this way are calibrated to hold the true {target} of {share} "
                     "or more of the rows the model had not seen.",
    "what_if_intro": "The same row with one thing changed: the probability of the predicted "
                     "class then, and how far it moved, in percentage points.",
    "what_if_column": "Probability",
    "interval_intro": "Every prediction comes with a set of likely classes, calibrated on "
                      "rows the model had not seen to hold the true {target} of {share} rows "
                      "or more ({percent}). The predicted class is always in it.",
    "holdout_intro": "The {holdout} rows held out: the thresholds calibrated on the other "
                     "{train} alone and applied to the model fitted on them.",
    "within_column": "In the set",
    "api_note": "Probabilities, not certainties.",
    "api_predictions": "the predicted {target} of each record, in input order",
    "api_intervals": "the likely set of each prediction, in the same order: calibrated so "
                     "that {percent} or more of the rows the model had not seen have their "
                     "{target} in theirs; the predicted class is always in it",
    "api_coverage": "the share of rows whose {target} a set holds",
}
assert set(CLASSIFICATION) <= set(KEYS)
DEFAULTS = {"regression": {}, "classification": CLASSIFICATION}  # task -> defaults over KEYS'


class Words:
    """say(key, **values): the card's sentence for key (or the task's default), filled in."""

    def __init__(self, card: Mapping):
        given = card.get("words") or {}
        unknown = sorted(set(given) - set(KEYS))
        if unknown:
            raise ValueError(f"the card's words have unknown keys: {', '.join(unknown)} "
                             f"(known: docs/card.md)")
        label = card["target"].get("label") or card["target"]["name"]
        within = label[:1].lower() + label[1:] if label[1:2].islower() else label
        self.names = {"Target": label, "target": within}
        self.text = {}
        task = DEFAULTS[task_of(card)]
        for key, (default, allowed) in KEYS.items():
            text = given.get(key, task.get(key, default))
            if isinstance(text, list):  # a list of sentences reads as one paragraph
                text = " ".join(text)
            if not isinstance(text, str):
                raise ValueError(f"the card's word {key!r} must be text")
            used = {name for _, name, _, _ in string.Formatter().parse(text) if name}
            wrong = used - set(allowed) - set(self.names)
            if wrong:
                raise ValueError(f"the card's word {key!r} uses {{{sorted(wrong)[0]}}}; it "
                                 f"may use {', '.join('{%s}' % a for a in allowed + tuple(self.names))}")
            self.text[key] = text
        # The sentences a page shows as they are, filled in once: a page reads them as
        # words["title"], cheaper than a call.
        self.fixed = {key: self(key) for key, (_, allowed) in KEYS.items() if not allowed}

    def __call__(self, key: str, **values) -> str:
        text = self.text[key]
        return text.format(**self.names, **values) if "{" in text else text
