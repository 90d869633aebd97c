"""reports/known_issues.toml: which red cells are known, and how the report shows it."""
import pytest

from reports import known
from reports.results import load
from tests.synthetic import World, registry


def cell(**kw):
    base = dict(producer="keras", case="dense", producer_env="tf215", producer_tf="2.15.1", consumer="keras3_load",
                consumer_env="tf221", consumer_tf="2.21.0", status="fail", reason="File format not supported: x")
    base.update(kw)
    return base


@pytest.mark.parametrize("version,spec,expected", [
    ("2.16.2", ">=2.16", True), ("2.15.1", ">=2.16", False), ("1.15.5", "<2.0", True), ("2.4.4", "<2.0", False),
    ("2.15.1", "<=2.15", True), ("2.15.1", ">2.15", False), ("2.15.1", "==2.15", True),
    ("2.12.1", ">=2.4,<2.16", True), ("2.16.2", ">=2.4,<2.16", False), ("2.21.0", "*", True),
    ("2.23.0.dev20261026", ">=2.16", True), ("unknown", ">=2.16", False)])
def test_version_ranges(version, spec, expected):
    assert known.version_in(version, spec) is expected


def test_an_entry_matches_by_globs_versions_status_and_reason(tmp_path):
    [issue] = known.load_registry(registry(tmp_path / "k.toml", """
[[issue]]
id = "k3"
producer = ["keras", "tf2_*"]
consumer = "keras3_*"
consumer_tf = ">=2.16"
status = ["fail"]
match = "File format"
reason = "r"
link = "https://example.org/k3"
"""))
    assert issue.matches(cell())
    assert issue.matches(cell(producer="tf2_module"))
    assert not issue.matches(cell(producer="estimator"))
    assert not issue.matches(cell(consumer_tf="2.15.1"))
    assert not issue.matches(cell(status="crash"))
    assert not issue.matches(cell(reason="SIGSEGV"))
    assert not issue.matches(cell(status="pass"))  # a passing cell is never "known"


def test_a_malformed_registry_is_an_error(tmp_path):
    with pytest.raises(known.RegistryError):
        known.load_registry(registry(tmp_path / "k.toml", "[[issue]]\nconsumer = 'x'\nlink = 'y'\n"))  # no reason
    with pytest.raises(known.RegistryError):
        known.load_registry(registry(tmp_path / "k.toml", "[[issue]]\nreason = 'r'\nconsumer_tf = '>=two'\n"))
    with pytest.raises(known.RegistryError):
        known.load_registry(registry(tmp_path / "k.toml", "[[issue]]\nreason = 'r'\nconsumers = 'typo'\n"))


def test_the_report_marks_known_cells_with_their_link_and_every_red_cell_with_a_repro(tmp_path):
    from reports import build
    w = World(tmp_path / "results")
    w.grid(["tf215", "tf221"], [("keras", "dense")], ["keras3_load"],
           lambda p, c, pe, ce: ("fail", "File format not supported") if ce == "tf221" else ("pass", ""))
    reg = registry(tmp_path / "k.toml", """
[[issue]]
id = "k3"
consumer = "keras3_load"
consumer_tf = ">=2.16"
reason = "Keras 3 load_model reads .keras only"
link = "https://github.com/keras-team/keras/issues/18709"
""")
    results = build.annotate(load(w.write()), reg)
    red = results.cells[results.cells["status"] != "pass"]
    assert len(red) == 2 and all("https://github.com/keras-team/keras/issues/18709" in k for k in red["known"])
    assert all(r.startswith("export MATRIX_ARTIFACTS=") for r in red["repro"])
    assert set(results.cells[results.cells["status"] == "pass"]["known"]) == {""}
    folder = build.build(w.folder, out_root=str(tmp_path / "history"), registry=reg)
    page = open(folder + "/index.html").read()
    assert 'class="fail known"' in page and "issues/18709" in page
    assert "tox -e consume-tf221 -- --consumers=keras3_load -k &#x27;[keras3_load-tf215/keras/dense]&#x27;" in page
