"""The catalogue of published definitions (SPEC section 8): entries at their
thresholds, parameters, references from trial files, and comparing definitions."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import endpoints as ep
from endpoints.definitions import TrialDefinition

pytestmark = pytest.mark.filterwarnings("ignore::endpoints.EndpointsWarning")


def at_168(upcr, egfr, *, base_upcr=3.0, base_egfr=100.0, names=("kdigo_2021.cr",),
           **parameters):
    visits = pd.DataFrame({"subject_id": "S1", "day": [0, 168], "upcr": [base_upcr, upcr],
                           "egfr": [base_egfr, egfr]})
    definitions = [ep.get_definition(n, **parameters) for n in names]
    out = ep.compare_definitions(visits, definitions, day=168)
    return dict(zip(out.endpoint, out.result, strict=True))


def test_catalogue_lists_its_entries_with_citations():
    names = ep.list_definitions()
    assert names == sorted(names) and {"kdigo_2021.cr", "kdigo_2021.pr"} <= set(names)
    for name in names:
        entry = ep.get_definition(name)
        assert entry.citation and entry.quote and entry.title, name
    with pytest.raises(ep.UnknownTrialError, match=r"kdigo_2021\.cr"):
        ep.get_definition("kdigo_2021.crr")


# KDIGO 2021 CR: "proteinuria <0.5 g/g ... stabilization or improvement in kidney
# function (±10%-15% of baseline)": UPCR < 0.5 and eGFR >= 85% of baseline (default).
@pytest.mark.parametrize(("upcr", "egfr", "expected"), [
    (0.49, 85.0, True),    # eGFR exactly 85% of baseline 100: stable
    (0.5, 100.0, False),   # UPCR exactly 0.5 is not < 0.5
    (0.51, 100.0, False),
    (0.2, 84.99, False),
    (None, 100.0, None),
    (0.2, None, None),
])
def test_kdigo_2021_cr_thresholds(upcr, egfr, expected):
    got = at_168(upcr, egfr)["kdigo_2021.cr"]
    assert (got is pd.NA) if expected is None else (got == expected)


def test_kdigo_2021_egfr_fraction_is_a_parameter():
    assert at_168(0.2, 88.0)["kdigo_2021.cr"] == True  # noqa: E712  (>= 85%)
    assert at_168(0.2, 88.0, egfr_fraction=0.9)["kdigo_2021.cr"] == False  # noqa: E712
    with pytest.raises(ep.DefinitionError, match="no parameter"):
        ep.get_definition("kdigo_2021.cr", egfr=0.9)


# KDIGO 2021 PR: "reduction in proteinuria by at least 50% and to <3 g/g" with eGFR
# stable: UPCR <= 50% of baseline, UPCR < 3.0, eGFR >= 85% of baseline.
@pytest.mark.parametrize(("upcr", "base_upcr", "expected"), [
    (2.0, 4.0, True),      # exactly 50% of baseline
    (2.01, 4.0, False),
    (3.0, 6.0, False),     # 50% of baseline but not < 3.0
    (2.99, 6.0, True),
])
def test_kdigo_2021_pr_thresholds(upcr, base_upcr, expected):
    got = at_168(upcr, 100.0, base_upcr=base_upcr, names=("kdigo_2021.pr",))
    assert got["kdigo_2021.pr"] == expected


def test_a_trial_file_refers_to_a_catalogue_entry_by_name():
    trial = TrialDefinition(id="T", title="", timepoints=[{"label": "w", "day": 168}],
                            endpoints=[{"kind": "response", "name": "cr",
                                        "criteria": "kdigo_2021.cr", "timepoints": ["w"]}])
    assert "kdigo_2021.cr" in trial.criteria
    own = TrialDefinition(id="T", title="", timepoints=[{"label": "w", "day": 168}],
                          criteria={"kdigo_2021.cr": {"variable": "upcr", "op": "<",
                                                      "value": 0.3}},
                          endpoints=[{"kind": "response", "name": "cr",
                                      "criteria": "kdigo_2021.cr", "timepoints": ["w"]}])
    assert own.criteria["kdigo_2021.cr"].describe() == "upcr < 0.3"  # the trial's own wins


def test_nanjing_default_is_kdigo_2021():
    """NCT03580291's CR / PR are KDIGO 2021 (SPEC section 4): the catalogue entries score
    the same on a simulated trial."""
    visits = ep.simulate("NCT03580291", n_per_arm=25, seed=5)
    trial = ep.score(visits, "NCT03580291")
    week24 = trial[trial.timepoint == "week 24"]
    table = ep.compare_definitions(visits, ["kdigo_2021.cr", "kdigo_2021.pr"], day=168)
    mine = table[table.endpoint == "kdigo_2021.cr"].set_index("subject_id")["result"]
    theirs = week24[week24.endpoint == "complete_renal_response"].set_index("subject_id")
    pd.testing.assert_series_equal(mine, theirs["result"], check_names=False)
    # the trial's partial response is "PR and not CR": where CR is not met, the same
    pr = table[table.endpoint == "kdigo_2021.pr"].set_index("subject_id")["result"]
    partial = week24[week24.endpoint == "partial_renal_response"].set_index("subject_id")
    not_cr = (theirs["result"] == False).fillna(False)  # noqa: E712
    pd.testing.assert_series_equal(pr[not_cr], partial["result"][not_cr], check_names=False)


def test_concordance_matches_a_hand_computation():
    table = pd.DataFrame({
        "trial_id": "DEFINITIONS", "subject_id": [f"s{i}" for i in range(10) for _ in "ab"],
        "endpoint": ["a", "b"] * 10, "timepoint": "day 168", "day": 168,
        "result": [True, True] * 4 + [True, False] * 2 + [False, True] + [False, False] * 3,
        "category": None, "value": None, "reason": None})
    pairs = ep.concordance(table)["pairs"].iloc[0]
    # 2x2: both 4, only a 2, only b 1, neither 3; po = 0.7, pe = 0.6*0.5 + 0.4*0.5 = 0.5
    assert (pairs.n, pairs.only_first, pairs.only_second) == (10, 2, 1)
    assert pairs.agreement == pytest.approx(0.7) and pairs.kappa == pytest.approx(0.4)
    visits = pd.DataFrame({"subject_id": [f"s{i}" for i in range(10)], "day": 0,
                           "arm": ["A"] * 5 + ["B"] * 5})
    rates = ep.concordance(table, visits)["rates"]
    got = rates[(rates.endpoint == "a") & (rates.arm == "A")].iloc[0]
    assert (got.evaluable, got.responders, got.rate) == (5, 5, 1.0)


def test_compare_definitions_refuses_repeats():
    visits = pd.DataFrame({"subject_id": "S1", "day": [0, 168], "upcr": [3.0, 0.4]})
    with pytest.raises(ep.InputError, match="distinct"):
        ep.compare_definitions(visits, ["kdigo_2021.cr", "kdigo_2021.cr"], day=168)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = ep.compare_definitions(visits, ["kdigo_2021.cr"], day=168, label="week 24")
    assert set(out.timepoint) == {"week 24"} and set(out.trial_id) == {"DEFINITIONS"}


def test_every_criterion_field_of_the_vocabulary_can_name_an_entry():
    """A catalogue name may stand wherever a criterion may (SPEC section 8)."""
    from endpoints.catalogue import CRITERION_FIELDS
    from endpoints.definitions import _KINDS, Category
    from endpoints.nodes import NODES

    def holds_criteria(model) -> set[str]:
        return {field.alias or name for name, field in model.model_fields.items()
                if "Criterion" in str(field.annotation) or "Compare" in str(field.annotation)}

    fields = set().union(*(holds_criteria(m) for m in (*NODES.values(), *_KINDS, Category)))
    assert fields <= CRITERION_FIELDS, fields - CRITERION_FIELDS


def test_sri_entries_differ_only_in_the_sledai_reduction():
    visits = pd.DataFrame({"subject_id": "S1", "day": [0, 364], "sledai": [14.0, 8.0],
                           "pga": [1.5, 1.7],
                           **{f"bilag_{d}": ["C", "C"] for d in ep.definitions.BILAG_DOMAINS}})
    out = ep.compare_definitions(visits, [f"sri{n}" for n in range(4, 9)], day=364)
    # a reduction of 6 meets SRI-4 to SRI-6, not SRI-7 or SRI-8; PGA +0.2 is < 0.3
    assert out.result.tolist() == [True, True, True, False, False]
    trial = TrialDefinition(id="T", title="", timepoints=[{"label": "w", "day": 364}],
                            endpoints=[{"kind": "response", "name": "resp",
                                        "criteria": {"all": ["sri5", {"variable": "pga",
                                                     "op": "<", "value": 2}]},
                                        "timepoints": ["w"]}])
    assert "sri5" in trial.criteria  # named inside an `all`
    assert ep.score(visits, trial).result.tolist() == [True]


@pytest.mark.parametrize("name", ep.list_definitions())
def test_every_entry_scores_the_same_named_in_a_trial_file(name):
    """A trial file names an entry (and the entries it names in turn, as a mild flare
    names the severe one) exactly as compare_definitions scores it."""
    entry = ep.get_definition(name)
    visits = ep.simulate("NCT03917797", n_per_arm=8, seed=3)
    endpoint = {"kind": entry.kind, "name": "x", "timepoints": ["month 12"],
                ("event" if entry.kind == "event" else "criteria"): name}
    trial = TrialDefinition(id="T", title="", endpoints=[endpoint],
                            timepoints=[{"label": "month 12", "day": 365, "window": 28}])
    named = ep.score(visits, trial)
    compared = ep.compare_definitions(visits, [name], day=365, window=28,
                                      label="month 12")
    pd.testing.assert_series_equal(named.result, compared.result)
    pd.testing.assert_series_equal(named.reason, compared.reason)


def test_kappa_interval_stays_within_its_range():
    """Near-perfect agreement: statsmodels' Wald interval passes 1; it is cut to 1."""
    rows = [(s, e, r) for s, (a, b) in enumerate([(True, True)] * 30 + [(False, False)] * 30
                                                  + [(True, False)])
            for e, r in (("x", a), ("y", b))]
    table = pd.DataFrame(rows, columns=["subject_id", "endpoint", "result"]).assign(
        trial_id="DEFINITIONS", timepoint="day 1", day=1, category=None, value=None,
        reason=None)
    table["subject_id"] = table["subject_id"].astype(str)
    pair = ep.concordance(table)["pairs"].iloc[0]
    from statsmodels.stats.inter_rater import cohens_kappa
    raw = cohens_kappa([[30, 1], [0, 30]])
    assert raw.kappa_upp > 1 and pair["kappa_high"] == 1.0
    assert pair["kappa"] == pytest.approx(raw.kappa) and pair["kappa_low"] == raw.kappa_low
