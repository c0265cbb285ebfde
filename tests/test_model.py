"""The pickle is code: the app refuses any model file that training did not write."""
import hashlib
import pickle
import shutil
from pathlib import Path

import pytest

from app import ROOT
from tabular.model import load_model
from tabular.model import ModelError



@pytest.fixture
def copy(tmp_path):
    shutil.copy(ROOT / "deployment.pkl", tmp_path / "deployment.pkl")
    shutil.copy(ROOT / "deployment.json", tmp_path / "deployment.json")
    return tmp_path


def test_the_shipped_model_loads_and_matches_its_card(model):
    digest = hashlib.sha256((ROOT / "deployment.pkl").read_bytes()).hexdigest()
    assert model.sha256 == digest
    assert model.name == type(model.pipeline.steps[-1][1]).__name__


def test_missing_file_is_refused(copy):
    (copy / "deployment.pkl").unlink()
    with pytest.raises(ModelError, match="cannot read the model file"):
        load_model(copy / "deployment.pkl")


def test_missing_card_is_refused(copy):
    (copy / "deployment.json").unlink()
    with pytest.raises(ModelError, match="cannot read the model card"):
        load_model(copy / "deployment.pkl")


def test_truncated_file_is_refused_before_unpickling(copy):
    path = copy / "deployment.pkl"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ModelError, match="refusing to unpickle"):
        load_model(path)


def test_swapped_file_is_never_unpickled(copy, tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (Path.touch, (marker,))

    (copy / "deployment.pkl").write_bytes(pickle.dumps(Exploit()))
    with pytest.raises(ModelError, match="sha256"):
        load_model(copy / "deployment.pkl")
    assert not marker.exists()


def test_a_sealed_file_of_the_wrong_kind_is_refused(copy, seal):
    seal(copy, pickle.dumps({"not": "a pipeline"}))
    with pytest.raises(ModelError, match="holds a dict, not a pipeline"):
        load_model(copy / "deployment.pkl")


def test_a_sealed_but_broken_pickle_is_refused(copy, seal):
    seal(copy, b"\x80\x04garbage")
    with pytest.raises(ModelError, match="cannot unpickle"):
        load_model(copy / "deployment.pkl")


def test_a_card_that_is_not_json_is_refused(copy):
    (copy / "deployment.json").write_text("{not json")
    with pytest.raises(ModelError, match="not valid JSON"):
        load_model(copy / "deployment.pkl")


def test_loading_the_model_writes_no_files_in_the_working_directory(tmp_path):
    import subprocess
    import sys

    script = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from tabular.model import load_model; load_model({str(ROOT / 'deployment.pkl')!r})"
    subprocess.run([sys.executable, "-c", script], cwd=tmp_path, check=True, timeout=120)
    assert list(tmp_path.iterdir()) == []


def rewrite_card(folder: Path, change) -> None:
    import json
    card = json.loads((folder / "deployment.json").read_text())
    change(card)
    (folder / "deployment.json").write_text(json.dumps(card))


def test_a_card_whose_inputs_are_not_the_pipelines_columns_is_refused(copy):
    rewrite_card(copy, lambda card: card["inputs"].update(
        {"Age": card["inputs"].pop("age")}))
    with pytest.raises(ModelError, match=r"fitted on columns \['age'.*but its card lists"):
        load_model(copy / "deployment.pkl")


def test_a_card_with_an_input_of_no_known_kind_is_refused(copy):
    rewrite_card(copy, lambda card: card["inputs"]["age"].update(kind="date"))
    with pytest.raises(ModelError, match="broken input: input 'age': kind must be one of"):
        load_model(copy / "deployment.pkl")


def test_a_compiler_crash_falls_back_to_the_pipeline(monkeypatch, caplog):
    from tabular import compiled
    from tabular.model import PipelinePredictor

    def crash(pipeline, sample):
        raise IndexError("a pipeline the compiler did not foresee")
    monkeypatch.setattr(compiled, "compile", crash)
    model = load_model(ROOT / "deployment.pkl")
    assert isinstance(model.predictor, PipelinePredictor)
    assert "compiling failed; predicting with pipeline.predict" in caplog.text


def test_a_model_of_another_task_is_refused_with_a_message(copy):
    rewrite_card(copy, lambda card: card.update(task="clustering"))
    with pytest.raises(ModelError, match="is for 'clustering'; this app serves regression "
                                         "and classification models"):
        load_model(copy / "deployment.pkl")


def test_a_regression_card_relabelled_classification_is_refused(copy):
    rewrite_card(copy, lambda card: card.update(task="classification"))
    with pytest.raises(ModelError, match="lacks sets"):
        load_model(copy / "deployment.pkl")
