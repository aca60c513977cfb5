"""flare_events lists exactly the flares the flare endpoints count."""

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

import endpoints as ep

from strategies import visit_tables


def test_sfi_and_bilag_flares_listed_with_previous_values():
    visits = pd.DataFrame({
        "subject_id": ["S1"] * 5 + ["S2"] * 2,
        "day": [-7, 0, 28, 56, 84, 0, 28],
        "sledai": [4, None, 7, 14, 14, 13, 16],
        "bilag_renal": ["C", "C", None, "A", "B", "D", "D"],
    })
    out = ep.flare_events(visits)
    rows = list(zip(out.subject_id, out.day, out.kind, out.domain.fillna("-"), out.value,
                    out.previous, strict=True))
    assert rows == [
        # against screening: day 0 has no SLEDAI
        ("S1", 28, "flare_mild_moderate", "-", 7.0, 4.0),
        ("S1", 56, "bilag_flare_renal", "renal", "A", "C"),  # day 28 ungraded: vs day 0
        ("S1", 56, "flare_severe", "-", 14.0, 7.0),
        ("S2", 28, "flare_severe", "-", 16.0, 13.0),
    ]


def test_no_flare_columns_gives_empty_listing():
    out = ep.flare_events(pd.DataFrame({"subject_id": [1], "day": [0]}))
    assert list(out.columns) == ["subject_id", "day", "kind", "domain", "value", "previous"]
    assert out.empty


@pytest.mark.filterwarnings("ignore::endpoints.EndpointsWarning")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(visits=visit_tables())
def test_listing_agrees_with_flare_endpoints(visits):
    for trial_id in ("NCT03917797", "NCT02633163"):
        trial = ep.get_trial(trial_id)
        listing = ep.flare_events(visits, trial=trial_id)
        scored = ep.score(visits, trial_id)
        events = [e for e in ep.get_trial(trial_id).endpoints if e.kind == "event"]
        assert events
        for endpoint in events:
            rows = scored[(scored.endpoint == endpoint.name) & scored.result.notna()]
            for subject, timepoint, day, value in zip(rows.subject_id, rows.timepoint,
                                                      rows.day, rows.value, strict=True):
                listed = listing[(listing.subject_id == subject)
                                 & (listing.kind == endpoint.name)]
                end = day if pd.notna(day) else trial.timepoint(timepoint).day
                assert (listed.day <= end).sum() == value, (trial_id, endpoint.name)


def test_listing_of_a_custom_trial_lists_its_own_events():
    """The listing evaluates the trial's definitions: a stricter severe flare in a custom
    trial lists fewer visits."""
    trial = ep.get_trial("NCT03917797")
    strict = trial.model_copy(update={"id": "STRICT", "criteria": {
        **trial.criteria, "flare_severe": ep.TrialDefinition.model_validate(
            {**trial.model_dump(), "criteria": {**trial.model_dump()["criteria"],
             "flare_severe": {"variable": "sledai", "op": ">", "value": 15}}}
        ).criteria["flare_severe"]}})
    visits = pd.DataFrame({"subject_id": ["S1"] * 3, "day": [0, 28, 56],
                           "sledai": [4, 14, 16]})
    default = ep.flare_events(visits, trial=trial)
    custom = ep.flare_events(visits, trial=strict)
    assert set(default[default.kind == "flare_severe"].day) == {28, 56}
    assert set(custom[custom.kind == "flare_severe"].day) == {56}
