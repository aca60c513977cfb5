"""Equivalent spellings of a definition give identical results (issue: criteria that own
their contract; DESIGN principle 12).

Each built-in trial is rewritten at random into an equivalent definition -- a criterion
wrapped in a one-term ``all`` / ``any``, the terms of ``all`` / ``any`` reordered, a
subtree moved into a named criterion or a named criterion written in place, a flag test
``== 1`` written ``> 0`` -- and both are scored on the same hypothesis visit table, with
and without a medications table. Every result (day, result, category, value) must be
the same; only the reasons may be worded differently.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import endpoints as ep
from endpoints.nodes import NODES, AllOf, AnyOf, Compare

from helpers import bilag
from strategies import medication_tables, visit_tables

FLAGS = ("rbc_casts", "new_immunosuppressant", "rituximab")
COMPARED = ["subject_id", "endpoint", "timepoint", "day", "result", "category", "value"]
EQUIVALENCE = settings(max_examples=25, deadline=None,
                       suppress_health_check=[HealthCheck.too_slow,
                                              HealthCheck.data_too_large])


def test_a_node_keeps_its_children_in_its_key_field():
    """The contract the rewriting relies on (and the docs hook too)."""
    for cls in NODES.values():
        assert key_field(cls) in cls.model_fields, cls
    node = AllOf(all=(Compare(variable="upcr", op="<", value=1),))
    assert node.children() == node.all


def key_field(cls) -> str:
    """The attribute holding a node's key (``not`` is held by ``not_``)."""
    return next((name for name, field in cls.model_fields.items()
                 if (field.alias or name) == cls.key), "")


def rewrite(criterion, draw, trial, named: dict):
    """An equivalent criterion: children rewritten, then perhaps wrapped or named."""
    if isinstance(criterion, str):
        if draw(st.booleans()):  # a named criterion written in place
            return rewrite(trial.criteria[criterion], draw, trial, named)
        return criterion
    node = criterion
    kids = [rewrite(k, draw, trial, named) for k in node.children()]
    if isinstance(node, AllOf | AnyOf):
        kids = draw(st.permutations(kids))
    if kids:
        attr = key_field(type(node))
        value = getattr(node, attr)
        node = node.model_copy(update={attr: tuple(kids) if isinstance(value, tuple)
                                       else kids[0]})
    if isinstance(node, Compare) and node.variable in FLAGS and node.at == "visit" and not (
            node.change_from or node.of) and node.op == "==" and node.value in (0, 1):
        node = node.model_copy(update={"op": ">" if node.value == 1 else "<", "value":
                                       0.0 if node.value == 1 else 1.0})
    how = draw(st.sampled_from(["as is", "all", "any", "named"]))
    if how == "all":
        return AllOf(all=(node,))
    if how == "any":
        return AnyOf(any=(node,))
    if how == "named":
        name = f"rewritten_{len(named)}"
        named[name] = node
        return name
    return node


@st.composite
def rewritten(draw, trial_id: str):
    trial = ep.get_trial(trial_id)
    named: dict = {}
    criteria = {name: rewrite(c, draw, trial, named) for name, c in trial.criteria.items()}
    endpoints = []
    for endpoint in trial.endpoints:
        update = {}
        for field in ("criteria", "unless", "event", "applies_if"):
            value = getattr(endpoint, field, None)
            if value is not None and not isinstance(value, tuple):
                update[field] = rewrite(value, draw, trial, named)
        if hasattr(endpoint, "categories"):
            update["categories"] = tuple(
                c.model_copy(update={"criteria": rewrite(c.criteria, draw, trial, named)})
                for c in endpoint.categories)
        endpoints.append(endpoint.model_copy(update=update))
    data = trial.model_copy(update={"criteria": {**criteria, **named},
                                    "endpoints": tuple(endpoints)}).model_dump(mode="json")
    return ep.TrialDefinition.model_validate(data)  # checks the rewritten definition


def scored(visits, trial, meds) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ep.EndpointsWarning)
        return ep.score(visits, trial, medications=meds)[COMPARED]


@pytest.mark.parametrize("trial_id", ep.list_trials())
@EQUIVALENCE
@given(data=st.data(), visits=visit_tables(max_subjects=4), with_meds=st.booleans())
def test_equivalent_spellings_give_identical_results(trial_id, data, visits, with_meds):
    other = data.draw(rewritten(trial_id))
    meds = None
    if with_meds:
        meds = data.draw(medication_tables(sorted(set(visits.subject_id))))
    pd.testing.assert_frame_equal(scored(visits, other, meds),
                                  scored(visits, ep.get_trial(trial_id), meds))


def test_a_pulse_breaks_the_daily_cap_however_the_rule_is_written():
    """The case of the issue: NCT02633163's SRI-4 with a 500 mg pulse between the week-20
    and week-24 visits is False as registered, and stays False when the steroid rule is
    moved into a named criterion or wrapped in any."""
    trial = ep.get_trial("NCT02633163")
    rows = [{"subject_id": "s1", "day": d, "sledai": s, "pga": 1.0, **bilag("C")}
            for d, s in ((0, 10.0), (140, 4.0), (168, 4.0))]
    visits = pd.DataFrame(rows)
    meds = pd.DataFrame({"subject_id": ["s1", "s1"], "drug": ["prednisone",
                                                               "methylprednisolone"],
                         "start_day": [0, 150], "end_day": [None, 150], "dose": [5.0, 500.0]})
    rule = trial.criteria["sri4_with_steroids"]
    cap = rule.all[1]
    variants = {
        "registered": trial,
        "named": trial.model_copy(update={"criteria": {
            **trial.criteria, "cap": cap,
            "sri4_with_steroids": rule.model_copy(update={"all": (rule.all[0], "cap")})}}),
        "in any": trial.model_copy(update={"criteria": {
            **trial.criteria,
            "sri4_with_steroids": rule.model_copy(update={"all": (rule.all[0],
                                                                  AnyOf(any=(cap,)))})}}),
    }
    for name, definition in variants.items():
        out = scored(visits, definition, meds)
        row = out[(out.endpoint == "sri4") & (out.timepoint == "week 24")].iloc[0]
        assert row.result is not pd.NA and not row.result, (name, row.to_dict())
    without_pulse = meds.iloc[:1]
    out = scored(visits, trial, without_pulse)
    result = out[(out.endpoint == "sri4")].iloc[0].result
    assert result is not pd.NA and bool(result)


def test_a_flag_read_at_visits_means_the_same_however_it_is_compared():
    """`rituximab == 1` used to switch to the dosing records and `rituximab > 0` not: a
    record after the last visit, with no month-12 visit, gave True and <NA>. Both read
    the visits now; `started` is the node that reads the records."""
    visits = pd.DataFrame({"subject_id": ["s1"] * 2, "day": [0, 100]})
    meds = pd.DataFrame({"subject_id": ["s1"], "drug": ["rituximab"], "start_day": [200],
                         "end_day": [200], "dose": [1000.0]})
    results = {}
    for name, criterion in {
        "== 1": {"ever": {"variable": "rituximab", "op": "==", "value": 1}},
        "> 0": {"ever": {"variable": "rituximab", "op": ">", "value": 0}},
        "started": {"started": "rituximab"},
    }.items():
        trial = ep.TrialDefinition.model_validate({
            "id": "RTX", "title": "rituximab", "timepoints": [{"label": "m12", "day": 365}],
            "endpoints": [{"kind": "response", "name": "rtx", "timepoints": ["m12"],
                           "criteria": criterion}]})
        results[name] = scored(visits, trial, meds).result.iloc[0]
    assert results["== 1"] is pd.NA and results["> 0"] is pd.NA
    assert bool(results["started"]) is True
