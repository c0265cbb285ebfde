"""The pages a person uses: the form and its answer, the CSV upload, the model card."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from tabular import batch
from web.filters import FILTERS
from web.state import current, upload_limits

bp = Blueprint("pages", __name__)
for _filter in FILTERS:
    bp.add_app_template_filter(_filter)


@bp.app_context_processor
def model_facts() -> dict:
    state = current()
    return {"card": state.model.card, "limits": upload_limits(), "say": state.words,
            "words": state.words.fixed, "view": state.view}


def page(status: int = 200, **context):
    context.setdefault("values", {})
    context.setdefault("errors", {})
    state = current()
    return render_template("index.html", form=state.form, fields=state.fields,
                           outputs=state.outputs, **context), status


@bp.get("/")
def index():
    return page()


@bp.post("/predict")
def predict_form():
    state = current()
    values = {name: request.form.get(name, "") for name in state.model.schema.fields}
    record, errors = state.model.schema.validate(values)
    if errors:
        return page(400, values=values, errors=errors)
    return page(values=values, **state.view.answer(record, state.model))


@bp.post("/batch")
def batch_csv():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return page(400, batch_errors=["Choose a CSV file to upload."])
    try:
        scored = batch.score_csv(upload.read(), current().model)
    except batch.BatchError as error:
        return page(400, batch_errors=error.messages)
    name = batch.download_name(upload.filename)
    return Response(scored, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/model")
def model_card():
    state = current()
    return render_template(state.view.card, model=state.model,
                           steps=_pipeline_steps(state.model.pipeline))


def _pipeline_steps(pipeline) -> list[tuple[str, str]]:
    """(step name, what it does) for each step of a fitted PyCaret pipeline."""
    steps = []
    for name, step in pipeline.steps:
        inner = getattr(step, "transformer", step)  # PyCaret wraps sklearn transformers
        columns = getattr(step, "include", None)
        where = f" on {', '.join(columns)}" if columns else ""
        steps.append((name, f"{type(inner).__name__}{where}"))
    return steps


@bp.get("/healthz")
def healthz():
    model = current().model
    return {"status": "ok", "model": model.name, "sha256": model.sha256}
