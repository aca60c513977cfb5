"""Tests of ``endpoints.plots``: every figure renders to PNG and draws what it should.

Small hand-written visit tables; the expected lines, markers and medians are worked out
by hand from them.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from itertools import pairwise

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

import endpoints as ep
from endpoints import plots

matplotlib.use("Agg")
MSC_ROLE = "NCT03917797"  # timepoints week 24 (day 168), month 12 (day 365)


@pytest.fixture(scope="module")
def visits() -> pd.DataFrame:
    """Four subjects, two per arm; visit days jitter around 0, 28, 168 and 365."""
    return pd.DataFrame({
        "subject_id": [1] * 4 + [2] * 4 + [3] * 4 + [4] * 4,
        "day": [0, 28, 168, 365, 0, 30, 170, 362, 0, 28, 166, 365, 0, 27, 168, 366],
        "arm": ["MSC"] * 8 + ["Placebo"] * 8,
        "upcr": [3.0, 2.0, 1.0, 0.4, 5.0, 4.0, 2.0, 0.2,
                 2.0, 2.5, 2.0, 1.5, 4.0, 3.5, None, 3.0],
        "egfr": [90.0] * 16,
        "prednisone": [40.0, 30.0, 10.0, 5.0, 60.0, 40.0, 20.0, 10.0,
                       40.0, 40.0, 15.0, 10.0, 20.0, 20.0, 10.0, 7.5],
        "new_immunosuppressant": [False] * 16,
        "rituximab": [False] * 16,
        # subject 2: mild/moderate flare at day 30 (4 -> 8); subject 3: severe at day 166
        "sledai": [6, 4, 4, 2, 4, 8, 6, 4, 10, 10, 14, 8, 6, 6, 6, 6],
        # subject 4: new BILAG B (renal) at day 27 (C -> B)
        "bilag_renal": ["C"] * 12 + ["C", "B", "B", "C"],
    })


@pytest.fixture(scope="module")
def results(visits) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ep.EndpointsWarning)
        return ep.score(visits, MSC_ROLE)


def assert_png(fig: Figure, tmp_path, name: str = "x.png") -> None:
    assert isinstance(fig, Figure)
    path = tmp_path / name
    fig.savefig(path)
    assert path.exists() and path.stat().st_size > 1000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def line(ax, label: str):
    found = [ln for ln in ax.get_lines() if ln.get_label() == label]
    assert len(found) == 1, [ln.get_label() for ln in ax.get_lines()]
    return found[0]


def test_importing_endpoints_does_not_import_matplotlib_or_statsmodels():
    code = ("import sys, endpoints; "
            "assert 'matplotlib' not in sys.modules, 'matplotlib'; "
            "assert 'statsmodels' not in sys.modules, 'statsmodels'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_response_over_time(results, visits, tmp_path):
    fig = plots.response_over_time(results, visits, "treatment_failure")
    assert_png(fig, tmp_path)
    (ax,) = fig.axes
    assert ax.get_title() == "treatment_failure"
    assert ax.get_xlabel() and ax.get_ylabel()
    assert len(ax.containers) == 2  # one errorbar series per arm
    assert [t.get_text() for t in ax.get_xticklabels()] == ["week 24", "month 12"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["MSC (N=2)", "Placebo (N=2)"]
    # treatment failure = prednisone > 10 at week 24 (subjects 2 and 3) -> 1/2 per arm
    summary = ep.summarize(results, visits)
    tf = summary[summary.endpoint == "treatment_failure"]
    assert tf.proportion.tolist() == [0.5, 0.5, 0.5, 0.5]
    for container in ax.containers:
        y = container.lines[0].get_ydata()
        assert list(y) == [0.5, 0.5]


def test_response_over_time_rejects_non_binary_and_unknown(results, visits):
    with pytest.raises(ValueError, match="not binary"):
        plots.response_over_time(results, visits, "sledai_change")
    with pytest.raises(ValueError, match="not in the results"):
        plots.response_over_time(results, visits, "no_such_endpoint")


def test_upcr_trajectories(visits, tmp_path):
    fig = plots.upcr_trajectories(visits)
    assert_png(fig, tmp_path)
    (ax,) = fig.axes
    collections = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert [len(c.get_segments()) for c in collections] == [2, 2]  # subjects per arm
    assert [ln.get_label() for ln in ax.get_lines()] == ["MSC median", "Placebo median"]
    assert ax.get_xlabel() == "Study day" and "UPCR" in ax.get_ylabel()
    assert ax.get_legend() is not None
    # days 166-170 pool into one visit at the median day of the pooled days (168)
    msc = line(ax, "MSC median")
    assert list(msc.get_xdata()) == [0.0, 28.0, 168.0, 365.0]
    assert list(msc.get_ydata()) == pytest.approx([4.0, 3.0, 1.5, 0.3])
    placebo = line(ax, "Placebo median")
    assert list(placebo.get_ydata()) == [3.0, 3.0, 2.0, 2.25]  # subject 4's day 168 missing


def test_upcr_trajectories_options(visits, tmp_path):
    fig = plots.upcr_trajectories(visits, by=None, column="prednisone", bin_days=0, log=True)
    assert_png(fig, tmp_path)
    (ax,) = fig.axes
    assert ax.get_yscale() == "log"
    assert [ln.get_label() for ln in ax.get_lines()] == ["all subjects median"]
    assert len(line(ax, "all subjects median").get_xdata()) == len(set(visits.day))
    with pytest.raises(ep.InputError, match="c3"):
        plots.upcr_trajectories(visits, column="c3")
    with pytest.raises(ep.InputError, match="site"):
        plots.upcr_trajectories(visits, by="site")


def test_event_chart(visits, results, tmp_path):
    fig = plots.event_chart(visits, results)
    assert_png(fig, tmp_path)
    (ax,) = fig.axes
    (subjects,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(subjects.get_segments()) == 4
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1", "2", "3", "4"]
    mild = line(ax, "flare mild moderate")
    assert (list(mild.get_xdata()), list(mild.get_ydata())) == ([30.0], [1.0])
    severe = line(ax, "flare severe")
    assert (list(severe.get_xdata()), list(severe.get_ydata())) == ([166.0], [2.0])
    bilag = line(ax, "bilag flare renal")
    assert (list(bilag.get_xdata()), list(bilag.get_ydata())) == ([27.0], [3.0])
    # failures of subjects 2 and 3 at their week-24 visits, once each (not again at month 12)
    failure = line(ax, "treatment failure (assessment visit)")
    assert sorted(zip(failure.get_xdata(), failure.get_ydata(), strict=True)) == [
        (166.0, 2.0), (170.0, 1.0)]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "arm: MSC" in labels and "arm: Placebo" in labels
    assert ax.get_title() and ax.get_xlabel() == "Study day"


def test_event_chart_without_results_or_flare_columns(visits, tmp_path):
    fig = plots.event_chart(visits[["subject_id", "day"]], by=None)
    assert_png(fig, tmp_path)
    (ax,) = fig.axes
    assert ax.get_lines() == []
    assert len(ax.collections[0].get_segments()) == 4
    with pytest.raises(ValueError, match="not in the results"):
        plots.event_chart(visits, results=pd.DataFrame(
            {"trial_id": [], "subject_id": [], "endpoint": [], "day": [], "result": [],
             "value": []}), endpoints=["treatment_failure"])


def test_steroid_dose(visits, tmp_path):
    fig = plots.steroid_dose(visits)
    assert_png(fig, tmp_path)
    (ax,) = fig.axes
    assert [ln.get_label() for ln in ax.get_lines()] == ["MSC median", "Placebo median"]
    assert len(ax.collections) == 2  # one IQR band per arm
    msc = line(ax, "MSC median")
    assert list(msc.get_xdata()) == [0.0, 28.0, 168.0, 365.0]
    assert list(msc.get_ydata()) == [50.0, 35.0, 15.0, 7.5]
    # IQR band of MSC at day 0: 40 and 60 -> quartiles 45 and 55 (linear interpolation)
    band = ax.collections[0].get_paths()[0].vertices
    at_zero = band[np.isclose(band[:, 0], 0.0), 1]
    assert {45.0, 55.0} <= set(np.round(at_zero, 9))
    assert ax.get_ylim()[0] == 0
    assert "Prednisone" in ax.get_ylabel() and ax.get_title()


def test_event_chart_marks_time_to_event_at_the_event_day(tmp_path):
    visits = pd.DataFrame({"subject_id": [1, 1, 1, 2, 2, 2], "day": [0, 84, 168] * 2,
                           "arm": ["MSC"] * 3 + ["MMF"] * 3,
                           "upcr": [3.0, 0.4, 0.3, 3.0, 2.0, 0.2], "egfr": [90.0] * 6})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ep.EndpointsWarning)
        results = ep.score(visits, "NCT03580291")
    fig = plots.event_chart(visits, results,
                            endpoints=["time_to_complete_response", "renal_response"])
    assert_png(fig, tmp_path)
    (ax,) = fig.axes
    # rows: MMF (subject 2) first, then MSC (subject 1); subject 1 in CR from day 84
    tte = line(ax, "time to complete response (event day)")
    assert sorted(zip(tte.get_xdata(), tte.get_ydata(), strict=True)) == [
        (84.0, 1.0), (168.0, 0.0)]
    # renal response at week 12 (day 84) for subject 1, at week 24 for subject 2
    rr = line(ax, "renal response (assessment visit)")
    assert sorted(zip(rr.get_xdata(), rr.get_ydata(), strict=True)) == [
        (84.0, 1.0), (168.0, 0.0)]
    assert tte.get_marker() != rr.get_marker()


def test_plots_take_the_definition_of_an_unregistered_trial(visits, results, tmp_path):
    """SPEC section 1: every function that reads a result table takes trial=."""
    custom = ep.get_trial(MSC_ROLE).model_copy(update={"id": "CUSTOM-PLOT"})
    renamed = results.assign(trial_id=pd.array(["CUSTOM-PLOT"] * len(results), dtype="string"))
    with pytest.raises(ep.UnknownTrialError):
        plots.response_over_time(renamed, visits, "treatment_failure")
    assert_png(plots.response_over_time(renamed, visits, "treatment_failure", trial=custom),
               tmp_path)
    assert_png(plots.event_chart(visits, renamed, trial=custom), tmp_path, "e.png")
    assert_png(plots.response_over_time(results, visits, "treatment_failure", trial=MSC_ROLE),
               tmp_path, "id.png")


# definition_agreement: three definitions, given in this (not alphabetical) order, on
# eight subjects; True responder, False non-responder, None not evaluable.
DEFINITIONS = ["z.crr", "x.cr", "y.pr"]
AGREEMENT = {  # subject: (arm, results under z.crr, x.cr, y.pr)
    "s1": ("MSC", (True, True, True)),  # all responder
    "s2": ("Placebo", (False, False, False)),  # all non-responder
    "s3": ("MSC", (True, False, True)),  # discordant
    "s4": ("MSC", (None, True, False)),  # discordant (and not evaluable under z.crr)
    "s5": ("MSC", (None, None, None)),  # evaluable under none
    "s6": ("Placebo", (False, None, False)),  # all (evaluable) non-responder
    "s7": ("Placebo", (True, False, True)),  # discordant, the same pattern as s3
    "s0": ("Placebo", (False, True, False)),  # discordant (its ID sorts first)
}
Z95 = 1.959963984540054


@pytest.fixture()
def agreement() -> pd.DataFrame:
    """A compare_definitions-style table, rows in scrambled order."""
    rows = [(s, d, r) for s, (_, rs) in AGREEMENT.items()
            for d, r in zip(DEFINITIONS, rs, strict=True)]
    rows = [rows[i] for i in np.random.default_rng(3).permutation(len(rows))]
    return pd.DataFrame({
        "trial_id": "DEFINITIONS", "subject_id": [r[0] for r in rows],
        "endpoint": [r[1] for r in rows], "timepoint": "day 364",
        "day": pd.array([364] * len(rows), dtype="Int64"),
        "result": pd.array([r[2] for r in rows], dtype="boolean"),
        "category": pd.NA, "value": pd.NA, "reason": pd.NA})


@pytest.fixture()
def agreement_visits() -> pd.DataFrame:
    return pd.DataFrame({"subject_id": list(AGREEMENT), "day": 0,
                         "arm": [arm for arm, _ in AGREEMENT.values()]})


def wilson(responders: int, n: int) -> tuple[float, float]:
    """The Wilson score interval, written out."""
    p, z2 = responders / n, Z95**2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 / (1 + z2 / n) * np.sqrt(p * (1 - p) / n + z2 / (4 * n**2))
    return centre - half, centre + half


def errorbars(ax) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """label -> x, y, lower and upper ends of the error bars drawn."""
    out = {}
    for container in ax.containers:
        x, y = container.lines[0].get_xdata(), container.lines[0].get_ydata()
        segments = np.array(container.lines[2][0].get_segments())  # (points, 2 ends, xy)
        assert np.allclose(segments[:, 0, 0], x) and np.allclose(segments[:, 1, 0], x)
        out[container.get_label()] = (np.asarray(x, float), np.asarray(y, float),
                                      segments[:, :, 1].min(1), segments[:, :, 1].max(1))
    return out


def test_definition_agreement_grid(agreement, agreement_visits, tmp_path):
    before, visits_before = agreement.copy(), agreement_visits.copy()
    fig = plots.definition_agreement(agreement, agreement_visits, definitions=DEFINITIONS)
    assert_png(fig, tmp_path)
    pd.testing.assert_frame_equal(agreement, before)
    pd.testing.assert_frame_equal(agreement_visits, visits_before)
    grid_ax, rate_ax = fig.axes
    (image,) = grid_ax.images
    # discordant subjects first (same pattern adjacent: s3 and s7; responder before
    # non-responder before not evaluable, definition by definition, before the ID), then
    # all responder, all non-responder, none evaluable; codes 1 responder,
    # 0 non-responder, -1 not evaluable
    assert [t.get_text() for t in grid_ax.get_yticklabels()] == [
        "s3", "s7", "s0", "s4", "s1", "s2", "s6", "s5"]
    assert np.asarray(image.get_array()).tolist() == [
        [1, 0, 1], [1, 0, 1], [0, 1, 0], [-1, 1, 0],
        [1, 1, 1],
        [0, 0, 0], [0, -1, 0],
        [-1, -1, -1]]
    assert [t.get_text() for t in grid_ax.get_xticklabels()] == DEFINITIONS
    assert [t.get_text() for t in rate_ax.get_xticklabels()] == DEFINITIONS
    # each code gets its own colour, the one the legend shows
    legend = grid_ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [
        "responder", "non-responder", "not evaluable"]
    swatches = [matplotlib.colors.to_rgba(p.get_facecolor()) for p in legend.get_patches()]
    drawn = [matplotlib.colors.to_rgba(image.cmap(image.norm(code))) for code in (1, 0, -1)]
    assert drawn == swatches and len(set(drawn)) == 3
    blocks = [t.get_text() for t in grid_ax.texts]
    assert blocks == ["discordant\n(n=4)", "all responder\n(n=1)",
                      "all non-responder\n(n=2)", "none evaluable\n(n=1)"]
    assert [t.get_position()[1] for t in grid_ax.texts] == [1.5, 4.0, 5.5, 7.0]
    assert "day 364" in fig.get_suptitle()


def test_definition_agreement_rates_by_arm(agreement, agreement_visits):
    fig = plots.definition_agreement(agreement, agreement_visits, definitions=DEFINITIONS)
    drawn = errorbars(fig.axes[1])
    assert list(drawn) == ["MSC", "Placebo"]
    # responders / evaluable under z.crr, x.cr, y.pr, counted by hand from AGREEMENT
    expected = {"MSC": [(2, 2), (2, 3), (2, 3)], "Placebo": [(1, 4), (1, 3), (1, 4)]}
    for arm, counts in expected.items():
        x, y, low, high = drawn[arm]
        assert np.round(x).tolist() == [0.0, 1.0, 2.0]
        assert y == pytest.approx([r / n for r, n in counts])
        intervals = np.array([wilson(r, n) for r, n in counts])
        assert low == pytest.approx(intervals[:, 0]) and high == pytest.approx(intervals[:, 1])
    assert (drawn["MSC"][0] < drawn["Placebo"][0]).all()  # arms side by side
    assert drawn["MSC"][3][0] == pytest.approx(1.0)  # 2/2: the interval reaches 1
    legend = fig.axes[1].get_legend()
    assert legend.get_title().get_text().startswith("arm")


def test_definition_agreement_without_visits_for_chosen_definitions(agreement):
    fig = plots.definition_agreement(agreement, definitions=["y.pr", "z.crr"])
    grid_ax, rate_ax = fig.axes
    assert [t.get_text() for t in grid_ax.get_xticklabels()] == ["y.pr", "z.crr"]
    # y.pr and z.crr agree on everyone but s4 (non-responder under y.pr, not evaluable
    # under z.crr): no discordant block; s4's pattern sorts after the complete ones
    assert [t.get_text() for t in grid_ax.get_yticklabels()] == [
        "s1", "s3", "s7", "s0", "s2", "s6", "s4", "s5"]
    assert np.asarray(grid_ax.images[0].get_array()).tolist() == [
        [1, 1], [1, 1], [1, 1], [0, 0], [0, 0], [0, 0], [0, -1], [-1, -1]]
    assert [t.get_text() for t in grid_ax.texts] == [
        "all responder\n(n=3)", "all non-responder\n(n=4)", "none evaluable\n(n=1)"]
    drawn = errorbars(rate_ax)
    assert list(drawn) == ["all subjects"]
    x, y, low, high = drawn["all subjects"]
    assert x.tolist() == [0.0, 1.0]
    assert y == pytest.approx([3 / 7, 3 / 6])
    intervals = np.array([wilson(3, 7), wilson(3, 6)])
    assert low == pytest.approx(intervals[:, 0]) and high == pytest.approx(intervals[:, 1])


def test_definition_agreement_many_subjects_have_no_subject_labels():
    # 50 subjects: p calls the first 20 responders, q the first 30; subject 45 is not
    # evaluable under q -> discordant 20..29, responders 0..19, non-responders the rest
    ids = [f"S{i:02d}" for i in range(50)]
    table = pd.DataFrame({
        "trial_id": "DEFINITIONS", "subject_id": ids * 2,
        "endpoint": ["p"] * 50 + ["q"] * 50, "timepoint": "day 168", "day": 168,
        "result": pd.array([i < 20 for i in range(50)]
                           + [None if i == 45 else i < 30 for i in range(50)], dtype="boolean"),
        "category": None, "value": None, "reason": None})
    fig = plots.definition_agreement(table)
    grid_ax = fig.axes[0]
    assert len(grid_ax.get_yticks()) == 0 and grid_ax.get_ylabel() == "Subjects (n=50)"
    codes = np.asarray(grid_ax.images[0].get_array())
    assert codes.shape == (50, 2)
    assert codes[:10].tolist() == [[0, 1]] * 10
    assert codes[10:30].tolist() == [[1, 1]] * 20
    assert codes[30:].tolist() == [[0, 0]] * 19 + [[0, -1]]
    assert [t.get_text() for t in grid_ax.texts] == [
        "discordant\n(n=10)", "all responder\n(n=20)", "all non-responder\n(n=20)"]


def test_definition_agreement_rejects_tables_it_cannot_draw(agreement):
    with pytest.raises(ep.InputError, match="one timepoint"):
        plots.definition_agreement(pd.concat(
            [agreement, agreement.assign(timepoint="day 168", day=168)], ignore_index=True))
    with pytest.raises(ep.InputError, match="twice"):
        plots.definition_agreement(pd.concat([agreement, agreement.iloc[:1]]))
    with pytest.raises(ep.InputError, match="no rows"):
        plots.definition_agreement(agreement.iloc[:0])
    with pytest.raises(ep.InputError, match="result"):
        plots.definition_agreement(agreement.drop(columns="result"))
    with pytest.raises(ep.InputError, match="site"):
        plots.definition_agreement(agreement, pd.DataFrame({"subject_id": ["s1"]}), by="site")
    for wrong in (["x.cr", "w.cr"], ["x.cr", "x.cr"], []):
        with pytest.raises(ep.InputError, match="definitions="):
            plots.definition_agreement(agreement, definitions=wrong)


def test_definition_agreement_is_exported_and_draws_compare_definitions(tmp_path):
    assert ep.definition_agreement is plots.definition_agreement
    assert "definition_agreement" in ep.__all__
    visits = pd.DataFrame({"subject_id": ["a", "a", "b", "b"], "day": [0, 168] * 2,
                           "upcr": [3.0, 0.4, 3.0, 1.2], "egfr": [90.0, 78.0, 90.0, 90.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ep.EndpointsWarning)
        table = ep.compare_definitions(visits, ["kdigo_2021.cr", "kdigo_2021.pr"], day=168)
    fig = ep.definition_agreement(table)
    assert_png(fig, tmp_path)
    # by default the definitions in the table's order (compare_definitions': as given)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == [
        "kdigo_2021.cr", "kdigo_2021.pr"]
    # a: CR and PR; b: PR only (UPCR 1.2 is not < 0.5) -> b is discordant, first
    assert np.asarray(fig.axes[0].images[0].get_array()).tolist() == [[0, 1], [1, 1]]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["b", "a"]


# --- Jupyter display: every figure shows itself, without pyplot or a magic command


def all_figures(visits, results) -> dict[str, Figure]:
    km_results = results_tte()
    return {
        "response_over_time": plots.response_over_time(results, visits, "treatment_failure"),
        "upcr_trajectories": plots.upcr_trajectories(visits),
        "event_chart": plots.event_chart(visits, results),
        "steroid_dose": plots.steroid_dose(visits),
        "kaplan_meier": plots.kaplan_meier(km_results, KM_VISITS, KM_ENDPOINT),
        "definition_agreement": plots.definition_agreement(pd.DataFrame({
            "trial_id": "DEFINITIONS", "subject_id": list("aabb"), "endpoint": ["x", "y"] * 2,
            "timepoint": "day 364", "day": 364,
            "result": pd.array([True, False, True, True], dtype="boolean"),
            "category": None, "value": None, "reason": None})),
    }


def test_every_figure_has_a_png_representation_for_jupyter(visits, results):
    formatters = pytest.importorskip("IPython.core.formatters")
    for name, fig in all_figures(visits, results).items():
        assert isinstance(fig, plots.DisplayFigure) and isinstance(fig, Figure), name
        png = fig._repr_png_()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000, name
        data, _ = formatters.DisplayFormatter().format(fig)
        assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n", name
        assert formatters.PNGFormatter()(fig)[:8] == b"\x89PNG\r\n\x1a\n", name


def test_plots_never_import_pyplot():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(plots))
    imported = [a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for a in node.names]
    imported += [node.module or "" for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)]
    imported += [f"{node.module}.{a.name}" for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) for a in node.names]
    assert not [m for m in imported if "pyplot" in m]
    # drawing every kind of figure in a fresh interpreter leaves pyplot unimported
    code = ("import sys, pandas as pd; from endpoints import plots; "
            "v = pd.DataFrame({'subject_id': [1, 1], 'day': [0, 28], 'upcr': [2.0, 1.0], "
            "'prednisone': [20.0, 10.0], 'sledai': [4, 8]}); "
            "[f._repr_png_() for f in (plots.upcr_trajectories(v, by=None), "
            "plots.steroid_dose(v, by=None), plots.event_chart(v, by=None))]; "
            "assert 'matplotlib.pyplot' not in sys.modules")
    env = {k: v for k, v in __import__("os").environ.items() if k != "MPLBACKEND"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_figures_are_drawn_in_threads(visits):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        pngs = list(pool.map(lambda _: plots.upcr_trajectories(visits)._repr_png_(), range(8)))
    assert len(set(pngs)) == 1 and pngs[0][:8] == b"\x89PNG\r\n\x1a\n"


def test_a_jupyter_kernel_displays_the_figures_without_a_magic_command(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.delenv("MPLBACKEND", raising=False)  # as in a fresh Jupyter
    setup = ("import sys\nimport pandas as pd\nfrom endpoints import plots\n"
             "v = pd.DataFrame({'subject_id': [1, 1, 2, 2], 'day': [0, 28] * 2,\n"
             "                  'upcr': [2.0, 1.0, 3.0, 0.4]})")
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(setup),
        nbformat.v4.new_code_cell("plots.upcr_trajectories(v, by=None)"),
        nbformat.v4.new_code_cell("'matplotlib.pyplot' in sys.modules"),
        nbformat.v4.new_code_cell("%matplotlib inline\nplots.event_chart(v, by=None)"),
    ])
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [cell.outputs for cell in notebook.cells]
    assert not [o for out in outputs for o in out if o.output_type == "error"]
    (shown,) = outputs[1]
    assert shown.output_type == "execute_result" and "image/png" in shown.data
    assert outputs[2][0].data["text/plain"] == "False"
    # with the inline backend active the figure still shows, once
    images = [o for o in outputs[3] if "image/png" in o.get("data", {})]
    assert len(images) == 1


# --- units of lab axes


def test_upcr_trajectories_converts_declared_units_and_says_so(visits):
    in_mmol = visits.assign(upcr=visits["upcr"] * 113.12)
    fig = plots.upcr_trajectories(in_mmol, units={"upcr": "mg/mmol", "egfr": "mL/min/1.73m2"})
    (ax,) = fig.axes
    assert ax.get_ylabel() == "UPCR (mg/mg, converted from mg/mmol)"
    # the same medians as the mg/mg table (test_upcr_trajectories), subject lines too
    assert list(line(ax, "MSC median").get_ydata()) == pytest.approx([4.0, 3.0, 1.5, 0.3])
    assert list(line(ax, "Placebo median").get_ydata()) == pytest.approx([3.0, 3.0, 2.0, 2.25])
    first = ax.collections[0].get_segments()[0]
    assert first[:, 1] == pytest.approx([3.0, 2.0, 1.0, 0.4])
    # the canonical unit by default, and when declared; CDISC spelling g/mol = mg/mmol
    assert plots.upcr_trajectories(visits).axes[0].get_ylabel() == "UPCR (mg/mg)"
    assert plots.upcr_trajectories(visits, units={"upcr": "mg/mg"}).axes[0].get_ylabel() == (
        "UPCR (mg/mg)")
    cdisc = plots.upcr_trajectories(in_mmol, units={"upcr": "g/mol"}).axes[0]
    assert cdisc.get_ylabel() == "UPCR (mg/mg, converted from g/mol)"
    assert list(line(cdisc, "MSC median").get_ydata()) == pytest.approx([4.0, 3.0, 1.5, 0.3])
    # a number is the divisor, as for ep.score
    divided = plots.upcr_trajectories(in_mmol, units={"upcr": 113.12}).axes[0]
    assert divided.get_ylabel() == "UPCR (mg/mg, converted: values / 113.12)"
    assert list(line(divided, "MSC median").get_ydata()) == pytest.approx([4.0, 3.0, 1.5, 0.3])
    # other columns: eGFR's canonical unit; a column without one, as declared
    assert plots.upcr_trajectories(visits, column="egfr").axes[0].get_ylabel() == (
        "eGFR (mL/min/1.73 m²)")
    own = plots.upcr_trajectories(visits.assign(cystatin_c=1.1), column="cystatin_c",
                                  units={"cystatin_c": "mg/L"})
    assert own.axes[0].get_ylabel() == "Cystatin c (mg/L)"


def test_upcr_trajectories_warns_on_undeclared_implausible_units_and_refuses_bad_ones(visits):
    in_mmol = visits.assign(upcr=visits["upcr"] * 113.12)
    with pytest.warns(ep.EndpointsWarning, match="mg/mmol"):
        fig = plots.upcr_trajectories(in_mmol)
    assert fig.axes[0].get_ylabel() == "UPCR (mg/mg)"  # drawn as declared (by default)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plots.upcr_trajectories(in_mmol, units={"upcr": "mg/mmol"})
    with pytest.raises(ep.InputError, match="unknown unit 'mg/L'"):
        plots.upcr_trajectories(visits, units={"upcr": "mg/L"})
    with pytest.raises(ep.InputError, match="positive number"):
        plots.upcr_trajectories(visits, units={"upcr": -2})
    with pytest.raises(ep.InputError, match="units="):
        plots.upcr_trajectories(visits, units="mg/mmol")


def test_steroid_dose_converts_declared_units(visits):
    grams = visits.assign(immunosuppressant_dose=visits["prednisone"] / 1000)
    fig = plots.steroid_dose(grams, column="immunosuppressant_dose",
                             units={"immunosuppressant_dose": "g/day"})
    (ax,) = fig.axes
    assert ax.get_ylabel() == "Immunosuppressant dose (mg/day, converted from g/day)"
    assert list(line(ax, "MSC median").get_ydata()) == pytest.approx([50.0, 35.0, 15.0, 7.5])
    assert plots.steroid_dose(visits).axes[0].get_ylabel() == (
        "Prednisone (mg/day, prednisone-equivalent)")


# --- the event chart with a few hundred subjects


def many_subjects(n: int, seed: int = 0) -> pd.DataFrame:
    """n subjects S1..Sn in arms A (half), B (a third) and C (the rest), in shuffled order;
    visits at days 0, 28, ..., up to a last visit of 28 x (1 + i % 12)."""
    rng = np.random.default_rng(seed)
    arms = np.where(np.arange(n) < n // 2, "A", np.where(np.arange(n) < n // 2 + n // 3,
                                                          "B", "C"))
    rows = [(f"S{i + 1}", 28 * k, arms[i]) for i in rng.permutation(n)
            for k in range(2 + i % 12)]
    return pd.DataFrame(rows, columns=["subject_id", "day", "arm"])


def test_event_chart_is_readable_with_300_subjects(tmp_path):
    visits = many_subjects(300)
    fig = plots.event_chart(visits)
    assert_png(fig, tmp_path)
    (ax,) = fig.axes
    # one row per subject, arm blocks in order, subjects in numeric ID order in each
    expected = ([f"S{i}" for i in range(1, 151)] + [f"S{i}" for i in range(151, 251)]
                + [f"S{i}" for i in range(251, 301)])
    assert [t.get_text() for t in ax.get_yticklabels()] == expected
    assert list(ax.get_yticks()) == list(range(300))
    (lines,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    segments = lines.get_segments()
    assert [s[0, 1] for s in segments] == list(range(300))
    last = {s: 28.0 * (1 + (int(s[1:]) - 1) % 12) for s in expected}
    assert [(s[0, 0], s[1, 0]) for s in segments] == [(0.0, last[s]) for s in expected]
    # the end of follow-up: a "last visit" mark on every row
    (ends,) = [c for c in ax.collections if c.get_label() == "last visit"]
    assert ends.get_offsets().tolist() == [[last[s], float(i)] for i, s in enumerate(expected)]
    # blocks: separators between arms, each arm named with its size
    separators = [ln.get_ydata()[0] for ln in ax.get_lines() if ln.get_gid() == "group separator"]
    assert separators == [149.5, 249.5]
    assert [(t.get_text(), t.get_position()[1]) for t in ax.texts] == [
        ("A (n=150)", 74.5), ("B (n=100)", 199.5), ("C (n=50)", 274.5)]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["last visit", "arm: A", "arm: B", "arm: C"]
    # bounded size; labels large enough and, once drawn, not overlapping
    width, height = fig.get_size_inches()
    assert width == 8 and 20 <= height <= plots.EVENT_CHART_MAX_HEIGHT
    labels = ax.get_yticklabels()
    assert min(t.get_fontsize() for t in labels) >= plots.SUBJECT_FONT_POINTS[0]
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in labels]
    assert all(upper.y0 >= lower.y1 - 0.5 for upper, lower in pairwise(boxes))
    assert ax.get_ylim() == (299.5, -0.5)


def test_event_chart_thins_labels_only_beyond_the_tallest_figure():
    small = plots.event_chart(many_subjects(12))
    assert small.get_size_inches()[1] == pytest.approx(12 * 0.25 + 1.7)
    assert len(small.axes[0].get_yticklabels()) == 12
    fig = plots.event_chart(many_subjects(1200))
    (ax,) = fig.axes
    assert fig.get_size_inches()[1] == plots.EVENT_CHART_MAX_HEIGHT
    labels = [t.get_text() for t in ax.get_yticklabels()]
    every = int(ax.get_yticks()[1] - ax.get_yticks()[0])
    assert 2 <= every <= 4 and len(labels) == len(range(0, 1200, every))
    assert labels[:2] == ["S1", f"S{every + 1}"]  # IDs of the rows they sit on
    assert min(t.get_fontsize() for t in ax.get_yticklabels()) >= plots.SUBJECT_FONT_POINTS[0]
    assert len(ax.collections[0].get_segments()) == 1200


def test_event_chart_marks_time_to_event_censoring_hollow(tmp_path):
    visits = pd.DataFrame({"subject_id": [1, 1, 1, 2, 2, 2, 3, 3], "day": [0, 84, 168] * 2
                           + [0, 112], "arm": ["MSC"] * 3 + ["MMF"] * 5,
                           "upcr": [3.0, 0.4, 0.3, 3.0, 2.0, 1.0, 3.0, 2.5],
                           "egfr": [90.0] * 8})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ep.EndpointsWarning)
        results = ep.score(visits, "NCT03580291")
    fig = plots.event_chart(visits, results, endpoints=["time_to_complete_response"])
    assert_png(fig, tmp_path)
    (ax,) = fig.axes
    # rows: MMF 2, 3; MSC 1. Subject 1 in CR at day 84; 2 and 3 censored at their last
    # visits with CR known (168 and 112)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2", "3", "1"]
    event = line(ax, "time to complete response (event day)")
    assert list(zip(event.get_xdata(), event.get_ydata(), strict=True)) == [(84.0, 2.0)]
    censored = line(ax, "time to complete response (censored)")
    assert sorted(zip(censored.get_xdata(), censored.get_ydata(), strict=True)) == [
        (112.0, 1.0), (168.0, 0.0)]
    assert censored.get_marker() == event.get_marker()
    assert censored.get_markerfacecolor() == "white" != event.get_markerfacecolor()
    (ends,) = [c for c in ax.collections if c.get_label() == "last visit"]
    assert ends.get_offsets().tolist() == [[168.0, 0.0], [112.0, 1.0], [168.0, 2.0]]


# --- Kaplan-Meier

KM_ENDPOINT = "time_to_complete_response"  # NCT03580291, timepoint week 24 (day 168)
#: subject: (arm, day, result); None: not evaluable
KM_DATA = {
    "a1": ("MSC", 28, True), "a2": ("MSC", 56, False), "a3": ("MSC", 84, True),
    "a4": ("MSC", 84, True), "a5": ("MSC", 168, False),
    "b1": ("MMF", 56, True), "b2": ("MMF", 112, True), "b3": ("MMF", 140, False),
    "b4": ("MMF", None, None),
}
KM_VISITS = pd.DataFrame({"subject_id": list(KM_DATA), "day": 0,
                          "arm": [arm for arm, _, _ in KM_DATA.values()]})


def results_tte(timepoint: str = "week 24", data=KM_DATA) -> pd.DataFrame:
    days = [d for _, d, _ in data.values()]
    return pd.DataFrame({
        "trial_id": "NCT03580291", "subject_id": list(data), "endpoint": KM_ENDPOINT,
        "timepoint": timepoint, "day": pd.array(days, dtype="Int64"),
        "result": pd.array([r for _, _, r in data.values()], dtype="boolean"),
        "category": None, "value": pd.array(days, dtype="Float64"), "reason": None})


def product_limit(times, events) -> tuple[list[float], list[float]]:
    """Kaplan-Meier by hand: at each distinct event time, S *= 1 - events / at risk."""
    times, events = np.asarray(times, float), np.asarray(events, bool)
    xs, ys, s = [], [], 1.0
    for t in np.unique(times[events]):
        s *= 1 - (events & (times == t)).sum() / (times >= t).sum()
        xs.append(float(t))
        ys.append(s)
    return xs, ys


def test_kaplan_meier_draws_the_product_limit_estimate(tmp_path):
    fig = plots.kaplan_meier(results_tte(), KM_VISITS, KM_ENDPOINT)
    assert_png(fig, tmp_path)
    ax, risk = fig.axes
    curves = {ln.get_label(): ln for ln in ax.get_lines()}
    assert list(curves) == ["MMF (n=3, events=2)", "MMF censored",
                            "MSC (n=5, events=3)", "MSC censored"]
    # MSC: day 28, 5 at risk, 1 event -> 4/5; day 56 censored; day 84, 3 at risk, 2
    # events -> 4/5 x 1/3; day 168 censored (the last time)
    msc = curves["MSC (n=5, events=3)"]
    assert msc.get_drawstyle() == "steps-post"
    assert list(msc.get_xdata()) == [0.0, 28.0, 84.0, 168.0]
    assert list(msc.get_ydata()) == pytest.approx([1.0, 0.8, 0.8 / 3, 0.8 / 3])
    assert product_limit([28, 56, 84, 84, 168], [1, 0, 1, 1, 0]) == (
        [28.0, 84.0], pytest.approx([0.8, 0.8 / 3]))
    censored = curves["MSC censored"]
    assert list(censored.get_xdata()) == [56.0, 168.0]
    assert list(censored.get_ydata()) == pytest.approx([0.8, 0.8 / 3])
    assert censored.get_marker() == "|" and censored.get_linestyle() == "None"
    # MMF: b4 (<NA>) left out; day 56: 1 of 3 -> 2/3; day 112: 1 of 2 -> 1/3; 140 censored
    mmf = curves["MMF (n=3, events=2)"]
    assert list(mmf.get_xdata()) == [0.0, 56.0, 112.0, 140.0]
    assert list(mmf.get_ydata()) == pytest.approx([1.0, 2 / 3, 1 / 3, 1 / 3])
    assert list(curves["MMF censored"].get_xdata()) == [140.0]
    assert list(curves["MMF censored"].get_ydata()) == pytest.approx([1 / 3])
    # number at risk (time >= t) at the x ticks, every 28 days
    assert list(ax.get_xticks()) == [0.0, 28.0, 56.0, 84.0, 112.0, 140.0, 168.0]
    assert list(risk.get_xticks()) == list(ax.get_xticks())
    assert risk.get_xlim() == ax.get_xlim()
    assert [t.get_text() for t in risk.get_yticklabels()] == ["MMF", "MSC"]
    table = {(t.get_position()[1], t.get_position()[0]): t.get_text() for t in risk.texts}
    assert [table[0, d] for d in (0, 28, 56, 84, 112, 140, 168)] == [
        "3", "3", "3", "2", "2", "1", "0"]
    assert [table[1, d] for d in (0, 28, 56, 84, 112, 140, 168)] == [
        "5", "5", "4", "3", "1", "1", "1"]
    assert risk.get_title(loc="left") == "Number at risk"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["MMF (n=3, events=2)", "MSC (n=5, events=3)", "censored"]
    assert ax.get_title() == f"{KM_ENDPOINT} (week 24)" and ax.get_xlabel() == "Study day"
    assert "without complete renal response" in ax.get_ylabel()


def test_kaplan_meier_options():
    results = pd.concat([results_tte(), results_tte("week 12", {
        "a1": ("MSC", 28, True), "a2": ("MSC", 56, False), "b1": ("MMF", 56, True)})])
    # the latest timepoint by default; another on request
    fig = plots.kaplan_meier(results, KM_VISITS, KM_ENDPOINT, cumulative=True, by=None)
    ax, risk = fig.axes
    (curve,) = [ln for ln in ax.get_lines() if not ln.get_label().endswith("censored")]
    assert curve.get_label() == "all subjects (n=8, events=5)"
    times = [28, 56, 84, 84, 168, 56, 112, 140]
    events = [1, 0, 1, 1, 0, 1, 1, 0]
    xs, ys = product_limit(times, events)
    assert list(curve.get_xdata()) == [0.0, *xs, 168.0]
    assert list(curve.get_ydata()) == pytest.approx([0.0, *(1 - np.array(ys)), 1 - ys[-1]])
    assert "with complete renal response" in ax.get_ylabel()
    assert ax.get_title() == f"{KM_ENDPOINT} (week 24)"
    early = plots.kaplan_meier(results, KM_VISITS, KM_ENDPOINT, timepoint="week 12",
                               times=[0, 30, 60])
    ax, risk = early.axes
    assert [ln.get_label() for ln in ax.get_lines()][::2] == [
        "MMF (n=1, events=1)", "MSC (n=2, events=1)"]
    assert list(ax.get_xticks()) == [0.0, 30.0, 60.0]
    assert [t.get_text() for t in risk.texts] == ["1", "1", "0", "2", "1", "0"]


def test_kaplan_meier_from_scored_visits_and_exported():
    visits = pd.DataFrame({"subject_id": [1, 1, 1, 2, 2, 2, 3, 3], "day": [0, 84, 168] * 2
                           + [0, 112], "arm": ["MSC"] * 3 + ["MMF"] * 5,
                           "upcr": [3.0, 0.4, 0.3, 3.0, 2.0, 0.2, 3.0, 2.5],
                           "egfr": [90.0] * 8})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ep.EndpointsWarning)
        results = ep.score(visits, "NCT03580291")
    assert ep.kaplan_meier is plots.kaplan_meier and "kaplan_meier" in ep.__all__
    ax = ep.kaplan_meier(results, visits, KM_ENDPOINT).axes[0]
    curves = {ln.get_label(): ln for ln in ax.get_lines()}
    # MMF: 2 in CR at day 168, 3 censored at day 112 -> 1 at risk at 168: S = 0
    mmf = curves["MMF (n=2, events=1)"]
    assert list(mmf.get_xdata()) == [0.0, 168.0, 168.0]
    assert list(mmf.get_ydata()) == [1.0, 0.0, 0.0]
    assert list(curves["MMF censored"].get_xdata()) == [112.0]
    msc = curves["MSC (n=1, events=1)"]
    assert list(msc.get_xdata()) == [0.0, 84.0, 84.0]
    assert list(msc.get_ydata()) == [1.0, 0.0, 0.0]


def test_kaplan_meier_refuses_what_is_not_time_to_event(results, visits):
    with pytest.raises(ep.InputError, match=r"treatment_failure.*not time_to_event"):
        plots.kaplan_meier(results, visits, "treatment_failure")
    with pytest.raises(ep.InputError, match="not in the results"):
        plots.kaplan_meier(results, visits, "no_such_endpoint")
    tte = results_tte()
    with pytest.raises(ep.InputError, match="timepoint="):
        plots.kaplan_meier(tte, KM_VISITS, KM_ENDPOINT, timepoint="week 12")
    # rows that do not look like time-to-event results: a result without a day, a
    # value that is not the day
    no_value = tte.assign(value=pd.array([None] * len(tte), dtype="Float64"))
    with pytest.raises(ep.InputError, match="value"):
        plots.kaplan_meier(no_value, KM_VISITS, KM_ENDPOINT)
    counts = tte.assign(value=pd.array([1.0] * len(tte), dtype="Float64"))
    with pytest.raises(ep.InputError, match="value"):
        plots.kaplan_meier(counts, KM_VISITS, KM_ENDPOINT)
    none = tte.assign(result=pd.array([None] * len(tte), dtype="boolean"))
    with pytest.raises(ep.InputError, match="no subject is evaluable"):
        plots.kaplan_meier(none, KM_VISITS, KM_ENDPOINT)
    with pytest.raises(ep.InputError, match="site"):
        plots.kaplan_meier(tte, KM_VISITS, KM_ENDPOINT, by="site")
    # an unregistered trial needs its definition
    custom = ep.get_trial("NCT03580291").model_copy(update={"id": "CUSTOM-KM"})
    renamed = tte.assign(trial_id="CUSTOM-KM")
    with pytest.raises(ep.UnknownTrialError):
        plots.kaplan_meier(renamed, KM_VISITS, KM_ENDPOINT)
    fig = plots.kaplan_meier(renamed, KM_VISITS, KM_ENDPOINT, trial=custom)
    assert fig.axes[0].get_lines()[0].get_label() == "MMF (n=3, events=2)"
