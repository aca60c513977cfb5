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
        ("S1", 28, "mild/moderate", "-", 7.0, 4.0),  # against screening: day 0 has no SLEDAI
        ("S1", 56, "BILAG new A", "renal", "A", "C"),  # day 28 ungraded: compare with day 0
        ("S1", 56, "severe", "-", 14.0, 7.0),
        ("S2", 28, "severe", "-", 16.0, 13.0),
    ]


def test_no_flare_columns_gives_empty_listing():
    out = ep.flare_events(pd.DataFrame({"subject_id": [1], "day": [0]}))
    assert list(out.columns) == ["subject_id", "day", "kind", "domain", "value", "previous"]
    assert out.empty


@pytest.mark.filterwarnings("ignore::endpoints.EndpointsWarning")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(visits=visit_tables())
def test_listing_agrees_with_flare_endpoints(visits):
    listing = ep.flare_events(visits)
    scored = ep.score(visits, "NCT03917797")
    for endpoint, kinds in {"flare_severe": {"severe"},
                            "flare_mild_moderate": {"mild/moderate"}}.items():
        rows = scored[(scored.endpoint == endpoint) & scored.result.notna()]
        for subject, day, value in zip(rows.subject_id, rows.day, rows.value, strict=True):
            events = listing[(listing.subject_id == subject) & listing.kind.isin(kinds)]
            end = day if pd.notna(day) else 365
            assert (events.day <= end).sum() == value
