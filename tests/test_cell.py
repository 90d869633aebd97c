"""What a cell is: its id, its parser, the statuses, the schemas a run's records and manifests follow."""
import pytest

from matrix import records
from matrix.cell import PHASES, STATUSES, ArtifactId, Cell, Store


@pytest.mark.parametrize("text", ["tf215/keras/dense", "keras3_load-tf215/keras/dense@tf221",
                                  "reference-models/corpus/half_plus_two:serving_default@tf24",
                                  "tf1_session-models/fleet/resnet.3:predict-v2@tf115"])
def test_a_cell_id_parses_back_to_the_same_cell(text):
    cell = Cell.parse(text)
    assert cell.id == text and Cell.parse(cell.id) == cell and cell.phase in PHASES


def test_pytests_test_ids_parse_too():
    assert Cell.parse("test_cell[keras3_load-tf215/keras/dense@tf221]".replace("test_cell", "test_consume")).consumer \
        == "keras3_load"


@pytest.mark.parametrize("text", ["", "keras3_load@tf221", "tf215/keras", "-tf215/keras/dense@tf221"])
def test_a_malformed_id_is_an_error_that_shows_the_form(text):
    with pytest.raises(ValueError, match="expected"):
        Cell.parse(text)


def test_not_applicable_is_a_status_of_its_own():
    assert "not_applicable" in STATUSES and "unavailable" in STATUSES


def test_the_store_layout_has_one_owner(tmp_path):
    store = Store(str(tmp_path))
    run = store.new_run()
    assert store.current_run() == run
    assert store.results_file(run, "consume", "tf221", "gw0", "2/4").endswith(
        "results/%s/consume-tf221-2of4-gw0.jsonl" % run.run_id)
    assert store.artifact_of(store.artifact_dir(ArtifactId("tf215", "keras", "dense"))) == \
        ArtifactId("tf215", "keras", "dense")


def test_records_are_checked_against_one_printable_schema():
    schema = records.schema()
    assert set(schema) == {"env", "produce", "reference", "consume"}
    good = records.to_json(records.ProduceRecord(run_id="r", cell="tf215/keras/dense", producer="keras",
                                                 producer_api="a", case="dense", producer_env="tf215",
                                                 producer_tf="2.15.1", producer_python="3.11", status="pass"))
    assert records.validate(good) == []
    assert records.validate(dict(good, status="maybe")) == ["status 'maybe' is not one of " + ", ".join(STATUSES)]
    assert records.validate(dict(good, extra=1)) == ["unknown fields extra"]


def test_a_record_of_the_previous_schema_is_read_as_the_current_one(tmp_path):
    """A diff across a harness upgrade reads both runs: fields added since take their defaults."""
    current = records.to_json(records.ReferenceRecord(
        run_id="r", cell="reference-models/corpus/x@tf221", producer="corpus", case="x", artifact="models/corpus/x",
        env="tf221", tf="2.21.0", python="3.13", status="pass"))
    old = {k: v for k, v in current.items() if k not in ("varies", "loads")}
    old["schema"] = 2
    three = {k: v for k, v in current.items() if k != "loads"}
    three["schema"] = 3
    (tmp_path / "produce-tf221-gw0.jsonl").write_text(json_lines([old, three, dict(old, schema=1)]))
    good, bad = records.read_folder(str(tmp_path))
    assert good == [current, current]
    assert bad == ["produce-tf221-gw0.jsonl:3: schema 1, expected %d; missing field 'varies'; missing field "
                   "'loads'" % records.SCHEMA_VERSION]


def json_lines(items):
    import json
    return "".join(json.dumps(item) + "\n" for item in items)
