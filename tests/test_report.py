"""The report layer of SPEC section 9: ``ep.format_table`` (a summary as report cells) and
``ep.report`` / ``endpoints report`` (one self-contained HTML file)."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
import warnings
from html.parser import HTMLParser

import pandas as pd
import pytest

import endpoints as ep

pytestmark = pytest.mark.filterwarnings("ignore::endpoints.EndpointsWarning")


def sri4_results(values, arms):
    results = pd.DataFrame({
        "trial_id": "NCT03917797", "subject_id": [str(i) for i in range(len(values))],
        "endpoint": "sri4", "timepoint": "month 12",
        "result": pd.array(values, dtype="boolean"), "category": pd.NA, "value": pd.NA})
    visits = pd.DataFrame({"subject_id": range(len(values)), "day": 0, "arm": arms})
    return results, visits


def test_format_table_writes_counts_intervals_and_differences():
    # MSC 3/4 responders, Placebo 1/4: Wilson 95% of 3/4 is (30.1%, 95.4%); the
    # difference +50.0 points; the control arm (Placebo) has no difference cell
    results, visits = sri4_results([True, True, True, False, True, False, False, False],
                                   ["MSC"] * 4 + ["Placebo"] * 4)
    summary = ep.summarize(results, visits)
    before = summary.copy()
    table = summary.pipe(ep.format_table)
    pd.testing.assert_frame_equal(summary, before)
    cells = table.set_index("statistic")
    assert cells.loc["Responders, n/N (%)", "MSC"] == "3/4 (75.0%)"
    assert cells.loc["Responders, n/N (%)", "Placebo"] == "1/4 (25.0%)"
    assert cells.loc["95% CI (%)", "MSC"] == "(30.1, 95.4)"
    difference = cells.loc["Difference vs Placebo, % (95% CI)"]
    assert difference["MSC"].startswith("50.0 (") and difference["Placebo"] == ""
    assert list(table.columns[:4]) == ["trial_id", "endpoint", "timepoint", "statistic"]
    assert ep.format_table(summary, digits=2).set_index("statistic").loc[
        "Responders, n/N (%)", "MSC"] == "3/4 (75.00%)"


def test_format_table_p_values_and_missing_cells():
    summary = pd.DataFrame({
        "trial_id": "T", "endpoint": "x", "timepoint": "t", "day": 1, "arm": ["A", "B"],
        "kind": "binary", "n": [10, 10], "responders": [9, 1], "proportion": [0.9, 0.1],
        "ci_low": [0.6, 0.02], "ci_high": [0.98, 0.4], "difference": [0.8, float("nan")],
        "diff_low": [0.4, float("nan")], "diff_high": [0.95, float("nan")],
        "p_value": [0.0001, float("nan")], "test": ["fisher", pd.NA],
        "not_evaluable": [0, 0], "not_applicable": [0, 0]})
    cells = ep.format_table(summary).set_index("statistic")
    assert cells.loc["p-value", "A"] == "<0.001 (fisher)" and cells.loc["p-value", "B"] == ""
    summary.loc[0, "p_value"] = 0.04567
    assert ep.format_table(summary).set_index("statistic").loc["p-value", "A"] == \
        "0.046 (fisher)"
    assert "Not evaluable" not in ep.format_table(summary)["statistic"].tolist()


def test_format_table_continuous_rows():
    results = pd.DataFrame({
        "trial_id": "NCT03917797", "subject_id": ["1", "2", "3", "4"], "endpoint": "c3_change",
        "timepoint": "month 12", "result": pd.array([pd.NA] * 4, dtype="boolean"),
        "category": pd.NA, "value": [1.0, 3.0, 2.0, pd.NA]})
    visits = pd.DataFrame({"subject_id": [1, 2, 3, 4], "day": 0, "arm": ["MSC"] * 2 +
                           ["Placebo"] * 2})
    cells = ep.summarize(results, visits).pipe(ep.format_table)
    cells = cells[cells.timepoint == "month 12"].set_index("statistic")
    assert cells.loc["n", "MSC"] == "2" and cells.loc["Mean (SD)", "MSC"] == "2.0 (1.4)"
    assert cells.loc["Median (Q1, Q3)", "MSC"] == "2.0 (1.5, 2.5)"
    assert cells.loc["Not evaluable", "Placebo"] == "1"


def test_format_table_refuses_other_tables():
    with pytest.raises(ep.InputError, match="summarize"):
        ep.format_table(pd.DataFrame({"a": [1]}))


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.links, self.ids, self.text = [], [], set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        if tag in ("script", "link") or (tag == "a" and "href" in attrs):
            self.links.append(attrs.get("href") or attrs.get("src") or tag)
        if "id" in attrs:
            self.ids.add(attrs["id"])

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def scored():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        visits = ep.simulate("NCT03917797", n_per_arm=15, seed=4)
        return ep.score(visits, "NCT03917797"), visits


def test_report_is_one_self_contained_file(scored, tmp_path):
    results, visits = scored
    before = results.copy(), visits.copy()
    out = ep.report(results, visits, path=tmp_path / "report.html")
    pd.testing.assert_frame_equal(results, before[0])
    pd.testing.assert_frame_equal(visits, before[1])
    page = _Page()
    page.feed(out.read_text(encoding="utf-8"))
    text = " ".join(page.text)
    # every image is an embedded PNG; every link points inside the page
    assert len(page.images) >= 4
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert all(link.startswith("#") for link in page.links), page.links
    assert all(link[1:] in page.ids for link in page.links)
    # the definitions, with the registry's words, and every endpoint's results
    trial = ep.get_trial("NCT03917797")
    for endpoint in trial.endpoints:
        assert endpoint.name in text
    assert trial.endpoints[1].source in text
    # the not-evaluable listing counts what the results hold
    missing = results.result.isna() & results.category.isna() & results.value.isna()
    assert f"{int(missing.sum())} results could not be evaluated" in text
    first = results[missing].iloc[0]
    assert first.reason in text


def test_report_numbers_are_the_summary_s(scored, tmp_path):
    results, visits = scored
    text = ep.report(results, visits, path=tmp_path / "r.html").read_text(encoding="utf-8")
    table = ep.summarize(results, visits).pipe(ep.format_table)
    row = table[(table.endpoint == "sri4") & (table.statistic == "Responders, n/N (%)")]
    for arm in ("MSC", "Placebo"):
        assert f"<td>{row[arm].iloc[0]}</td>" in text


def test_report_of_several_trials_is_refused(scored, tmp_path):
    results, visits = scored
    other = results.assign(trial_id="NCT03580291")
    with pytest.raises(ep.InputError, match="one trial"):
        ep.report(pd.concat([results, other]), visits, path=tmp_path / "r.html")


def test_report_command_scores_a_cdisc_folder(tmp_path):
    folder = ep.cdisc.example_folder()
    out = tmp_path / "report.html"
    done = subprocess.run([sys.executable, "-m", "endpoints.cli", "report", str(folder / "adam"),
                           "--trial", "NCT03917797", "--params", str(folder / "params.csv"),
                           "-o", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "report of 40 subjects" in done.stderr
    assert re.search(r"<h1>NCT03917797", out.read_text(encoding="utf-8"))
    bad = subprocess.run([sys.executable, "-m", "endpoints.cli", "report", str(folder / "adam"),
                          "--trial", "NCT03917797", "-o", str(tmp_path / "r.pdf")],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "HTML" in bad.stderr


def test_summarize_command_takes_a_reference(tmp_path):
    results, visits = sri4_results([True, False, True, True], ["MSC", "MSC", "Placebo",
                                                              "Placebo"])
    results.assign(day=365, reason=pd.NA).to_csv(tmp_path / "r.csv", index=False)
    visits.to_csv(tmp_path / "v.csv", index=False)
    done = subprocess.run([sys.executable, "-m", "endpoints.cli", "summarize",
                           str(tmp_path / "r.csv"), "--visits", str(tmp_path / "v.csv"),
                           "--reference", "msc", "-o", str(tmp_path / "s.csv")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    summary = pd.read_csv(tmp_path / "s.csv")
    assert summary.set_index("arm").loc["Placebo", "difference"] == pytest.approx(0.5)
