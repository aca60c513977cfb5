"""The `endpoints` command line, run as a subprocess on real files."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

import endpoints as ep

VISITS = pd.DataFrame({
    "USUBJID": ["S1", "S1", "S2", "S2", "S3"],
    "ADY": [0, 84, 0, 90, 0],
    "upcr": [339.36, 56.56, 226.24, 215.0, 200.0],  # mg/mmol
    "egfr": [90.0, 90.0, 70.0, 70.0, 60.0],
    "arm": ["MSC", "MSC", "MMF", "MMF", "MMF"],
})
COLUMNS = {"USUBJID": "subject_id", "ADY": "day"}


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "endpoints.cli", *args], capture_output=True,
                          text=True, timeout=120)


def expected() -> pd.DataFrame:
    with pytest.warns(ep.EndpointsWarning):
        return ep.score(VISITS, "NCT03580291", columns=COLUMNS, units={"upcr": "mg/mmol"})


def write_visits(path):
    if path.suffix == ".csv":
        VISITS.to_csv(path, index=False)
    elif path.suffix == ".parquet":
        VISITS.to_parquet(path, index=False)
    else:
        import pyreadstat

        pyreadstat.write_xport(VISITS, str(path))


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xpt"])
@pytest.mark.parametrize("out_suffix", [".csv", ".parquet"])
def test_score_every_format(tmp_path, suffix, out_suffix):
    source, out = tmp_path / f"visits{suffix}", tmp_path / f"results{out_suffix}"
    write_visits(source)
    mapping = tmp_path / "columns.json"
    mapping.write_text(json.dumps(COLUMNS))
    done = run("score", str(source), "--trial", "NCT03580291", "--columns", str(mapping),
               "--units", "upcr=mg/mmol", "-o", str(out))
    assert done.returncode == 0, done.stderr
    got = pd.read_csv(out) if out_suffix == ".csv" else pd.read_parquet(out)
    want = expected()
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    key = ["subject_id", "endpoint", "timepoint"]
    merged = want.merge(got.astype({"subject_id": str}), on=key, suffixes=("", "_cli"))
    assert len(merged) == len(want)
    for column, dtype in (("result", "boolean"), ("category", "string"), ("value", "Float64"),
                          ("day", "Int64")):
        a = merged[column].astype(dtype).astype(object).where(merged[column].notna(), None)
        b = merged[f"{column}_cli"].astype(dtype)
        b = b.astype(object).where(b.notna(), None)
        assert a.tolist() == b.tolist(), column


def test_errors_name_the_same_row_subject_and_day_as_the_api(tmp_path):
    """The CLI scores the table in one pass, so its message is the API's: it once re-scored
    a sub-frame and named another row than the API."""
    visits = pd.DataFrame({"subject_id": ["a", "b", None, "c"], "day": [0, 0, 28, 0],
                           "pga": [1.0, 3.5, 1.0, 4.0]})
    source, out = tmp_path / "visits.csv", tmp_path / "results.csv"
    visits.to_csv(source, index=False)
    with pytest.raises(ep.InputError) as info:
        ep.score(pd.read_csv(source), "NCT03580291")
    done = run("score", str(source), "--trial", "NCT03580291", "-o", str(out))
    assert done.returncode == 2
    assert "missing subject ID (first at day 28)" in str(info.value)
    assert done.stderr.strip().splitlines()[-1] == f"error: {info.value}"


def test_drug_classes_file(tmp_path):
    visits = pd.DataFrame({"subject_id": ["a", "a"], "day": [0, 168]})
    meds = pd.DataFrame({"subject_id": ["a"], "drug": ["Pred-X"], "start_day": [0],
                         "end_day": [167], "dose": [10.0]})
    (tmp_path / "v.csv").write_text(visits.to_csv(index=False))
    (tmp_path / "m.csv").write_text(meds.to_csv(index=False))
    (tmp_path / "classes.json").write_text('{"Pred-X": "prednisone"}')
    out = tmp_path / "r.csv"
    done = run("score", str(tmp_path / "v.csv"), "--trial", "NCT03673748", "--medications",
               str(tmp_path / "m.csv"), "--drug-classes", str(tmp_path / "classes.json"),
               "-o", str(out))
    assert done.returncode == 0, done.stderr
    got = pd.read_csv(out)
    dose = got[(got.endpoint == "cumulative_steroid_dose")]
    assert dose.value.tolist() == [1680.0]


def test_adam_output(tmp_path):
    source, out = tmp_path / "visits.csv", tmp_path / "adam.csv"
    VISITS.rename(columns=COLUMNS).to_csv(source, index=False)
    done = run("score", str(source), "--trial", "NCT03580291", "--adam", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert list(pd.read_csv(out).columns)[:3] == ["STUDYID", "USUBJID", "PARAMCD"]


def test_adam_output_of_a_trial_file(tmp_path):
    source, out = tmp_path / "visits.csv", tmp_path / "adam.csv"
    VISITS.rename(columns=COLUMNS).to_csv(source, index=False)
    trial = ep.get_trial("NCT03580291").model_copy(update={"id": "MY-TRIAL"})
    definition = tmp_path / "my_trial.json"
    definition.write_text(trial.model_dump_json())
    done = run("score", str(source), "--trial", str(definition), "--adam", "-o", str(out))
    assert done.returncode == 0, done.stderr
    adam = pd.read_csv(out)
    assert set(adam.STUDYID) == {"MY-TRIAL"} and "CRR" in set(adam.PARAMCD)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["score", "{missing}", "--trial", "NCT03580291", "-o", "{out}"], "file not found"),
        (["score", "{bad_csv}", "--trial", "NCT03580291", "-o", "{out}"], "column upcr"),
        (["score", "{no_day}", "--trial", "NCT03580291", "-o", "{out}"], "column day"),
        (["score", "{good}", "--trial", "NCT0358029", "-o", "{out}"], "did you mean NCT03580291"),
        (["score", "{good}", "--trial", "NCT03580291", "--units", "upcr=furlongs", "-o",
          "{out}"], "unknown unit"),
        (["score", "{good}", "--trial", "NCT03580291", "--units", "upcr", "-o", "{out}"],
         "COLUMN=UNIT"),
        (["score", "{good}", "--trial", "NCT03580291", "-o", "{tmp}/results.xlsx"],
         "cannot write"),
        (["score", "{fake_sas}", "--trial", "NCT03580291", "-o", "{out}"],
         "cannot read sas7bdat"),
        (["score", "{fake_xpt}", "--trial", "NCT03580291", "-o", "{out}"], "cannot read xpt"),
        (["describe", "NCT99999999"], "unknown trial"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, args, message):
    good = tmp_path / "good.csv"
    VISITS.rename(columns=COLUMNS).to_csv(good, index=False)
    bad_csv = tmp_path / "bad.csv"
    VISITS.rename(columns=COLUMNS).assign(upcr=["x", 1, 2, 3, 4]).to_csv(bad_csv, index=False)
    no_day = tmp_path / "no_day.csv"
    VISITS.rename(columns=COLUMNS).drop(columns="day").to_csv(no_day, index=False)
    fake_sas, fake_xpt = tmp_path / "fake.sas7bdat", tmp_path / "fake.xpt"
    fake_sas.write_text("not a SAS file")
    fake_xpt.write_text("not a transport file")
    names = {"missing": tmp_path / "nope.csv", "out": tmp_path / "out.csv", "good": good,
             "bad_csv": bad_csv, "no_day": no_day, "fake_sas": fake_sas, "fake_xpt": fake_xpt,
             "tmp": tmp_path}
    done = run(*[a.format(**names) for a in args])
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert message in lines[0]


def test_trials_and_describe():
    listed = run("trials")
    assert listed.returncode == 0
    assert [line.split()[0] for line in listed.stdout.splitlines()] == ep.list_trials()
    described = run("describe", "NCT03917797")
    assert "treatment_failure" in described.stdout and "month 12" in described.stdout
    as_json = run("describe", "NCT03917797", "--json")
    assert ep.TrialDefinition.model_validate_json(as_json.stdout) == ep.get_trial("NCT03917797")


@pytest.mark.skipif(not hasattr(ep, "simulate") or not hasattr(ep, "summarize"),
                    reason="simulate / summarize not available")
def test_simulate_score_summarize(tmp_path):
    visits, results, summary = (tmp_path / n for n in ("v.parquet", "r.csv", "s.csv"))
    assert run("simulate", "NCT03917797", "--n-per-arm", "10", "--seed", "3",
               "-o", str(visits)).returncode == 0
    assert run("score", str(visits), "--trial", "NCT03917797", "-o", str(results)).returncode == 0
    done = run("summarize", str(results), "--visits", str(visits), "-o", str(summary))
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(summary)
    assert {"MSC", "Placebo"} <= set(table["arm"])


def test_summarize_a_trial_from_its_definition_file(tmp_path):
    """SPEC section 1: CLI commands that read results take the trial too."""
    trial = ep.get_trial("NCT03917797").model_copy(update={"id": "MY-TRIAL"})
    definition = tmp_path / "my_trial.json"
    definition.write_text(trial.model_dump_json())
    visits, results, summary = (tmp_path / n for n in ("v.parquet", "r.csv", "s.csv"))
    assert run("simulate", "NCT03917797", "--n-per-arm", "5", "-o", str(visits)).returncode == 0
    assert run("score", str(visits), "--trial", str(definition), "-o",
               str(results)).returncode == 0
    unknown = run("summarize", str(results), "--visits", str(visits), "-o", str(summary))
    assert unknown.returncode == 2 and "MY-TRIAL" in unknown.stderr
    done = run("summarize", str(results), "--visits", str(visits), "--trial", str(definition),
               "-o", str(summary))
    assert done.returncode == 0, done.stderr
    assert set(pd.read_csv(summary).trial_id) == {"MY-TRIAL"}


def test_adam_output_as_sas_transport(tmp_path):
    """`endpoints score --adam -o adrs.xpt` writes a version-5 transport file named ADRS;
    the result table itself (names longer than 8 characters) is refused with a message."""
    source = tmp_path / "visits.csv"
    VISITS.rename(columns=COLUMNS).to_csv(source, index=False)
    xpt = tmp_path / "adrs.xpt"
    done = run("score", str(source), "--trial", "NCT03580291", "--adam", "-o", str(xpt))
    assert done.returncode == 0, done.stderr
    back = pd.read_sas(xpt, format="xport", encoding="ascii")
    assert list(back.columns)[:3] == ["STUDYID", "USUBJID", "PARAMCD"]
    refused = run("score", str(source), "--trial", "NCT03580291", "-o",
                  str(tmp_path / "results.xpt"))
    assert refused.returncode == 2 and "subject_id" in refused.stderr
    assert not (tmp_path / "results.xpt").exists()
