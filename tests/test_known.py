"""reports/known_issues.toml: which red cells are known, waivers that expire, and how the report shows it."""
import datetime

import pytest

from reports import build, derive, known
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
    ("2.23.0.dev20261026", ">=2.16", True), ("unknown", ">=2.16", False), ("0.12.head", "<1.0", True)])
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
    assert issue.fits(cell())
    assert issue.fits(cell(producer="tf2_module"))
    assert not issue.fits(cell(producer="estimator"))
    assert not issue.fits(cell(consumer_tf="2.15.1"))
    assert not issue.fits(cell(status="crash"))
    assert not issue.fits(cell(reason="SIGSEGV"))
    assert not issue.fits(cell(status="pass"))  # a passing cell is never "known"


def test_a_malformed_registry_is_an_error(tmp_path):
    for text in ("[[issue]]\nconsumer = 'x'\nlink = 'y'\n",                 # no reason
                 "[[issue]]\nreason = 'r'\nconsumer_tf = '>=two'\n",        # a bad range
                 "[[issue]]\nreason = 'r'\nconsumers = 'typo'\n",           # an unknown key
                 "[[issue]]\nreason = 'r'\nuntil = 'soon'\n"):              # until is not a date
        with pytest.raises(known.RegistryError):
            known.load_registry(registry(tmp_path / "k.toml", text))


def test_a_waiver_explains_its_cells_until_its_date_then_names_itself_expired(tmp_path):
    [issue] = known.load_registry(registry(tmp_path / "k.toml", """
[[issue]]
id = "k3-waiver"
consumer = "keras3_load"
reason = "r"
until = 2026-12-31
owner = "ml-platform"
"""))
    before = known.match(cell(), [issue], datetime.date(2026, 12, 31))
    after = known.match(cell(), [issue], datetime.date(2027, 1, 1))
    assert before.issue is issue and before.expired is None
    assert after.issue is None and after.expired is issue


def test_the_report_marks_known_cells_with_their_link_and_every_red_cell_with_a_repro(tmp_path):
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

[[issue]]
id = "never-matches"
consumer = "nothing"
reason = "stale"
""")
    results = derive.annotate(w.results(), reg)
    red = results.cells[results.cells["status"] != "pass"]
    assert len(red) == 2 and set(red["known_link"]) == {"https://github.com/keras-team/keras/issues/18709"}
    assert all(r.startswith("S=$(mktemp -d) && tox -e produce-") for r in red["repro"])
    assert set(results.cells[results.cells["status"] == "pass"]["known_id"]) == {""}
    assert [i.id for i in derive.registry_use(results, reg)["stale"]] == ["never-matches"]
    folder = build.build(results=w.results(), out_root=str(tmp_path / "history"), registry=reg)
    page = open(folder + "/cells/keras3_load.html").read()
    assert 'class="fail known"' in page and "known: k3" in page
    assert "tox -e consume-tf221 -- --store $S --only keras3_load-tf215/keras/dense@tf221" in page
    assert "never-matches" in open(folder + "/index.html").read()


def test_a_known_cause_that_holds_in_every_version_is_labelled_not_a_version_question(tmp_path):
    from reports import derive
    from tests.synthetic import World, registry
    world = World(tmp_path / "r")
    world.env("tf115"), world.env("tf221")
    world.cell("tf1_builder", "dense", "tf115", "tf2_restored", "tf221", "fail", "the restored AutoTrackable has no __call__")
    world.cell("tf1_builder", "dense", "tf115", "tf2_load", "tf221", "fail", "Op type not registered 'X'")
    known = registry(tmp_path / "k.toml", '[[issue]]\nid = "no-call"\nconsumer = "tf2_restored"\nmatch = "no __call__"\n'
                     'reason = "r"\nlink = "https://example.org/load"\nevery_version = true\n')
    cells = derive.annotate(world.results(), known).cells.set_index("consumer")
    assert cells.loc["tf2_restored", "policy"] == "not a version question"
    assert cells.loc["tf2_restored", "policy_link"] == "https://example.org/load"
    assert cells.loc["tf2_load", "policy"] == "1.x→2.x conditional"
