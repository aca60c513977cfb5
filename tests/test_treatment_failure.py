"""Hand-written boundary examples for ``treatment_failure`` (NCT03917797).

Black-box tests of ``ep.score`` against SPEC.md sections 3-4 and docs/interpretations.md.
Every expectation is hard-coded (worked out by hand); nothing here re-implements the rules.

Treatment failure at week 24 (day 168) and month 12 (day 365), any of:
(a) prednisone > 10 mg/day at the week-24 assessment visit;
(b) prednisone > 10 mg/day at a visit with 168 < day within the period (month 12);
(c) a new immunosuppressive regimen in the period; (d) rituximab in the period.
Kleene OR; an event observed in the period counts even without an assessment visit.

Only prednisone, new_immunosuppressant and rituximab are supplied; the EndpointsWarning
about the other endpoints' absent columns is ignored.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import endpoints as ep

from helpers import assert_result, make_frame, pick

pytestmark = pytest.mark.filterwarnings("ignore::endpoints.EndpointsWarning")

MSC_ROLE = "NCT03917797"
TF = "treatment_failure"
W24 = "week 24"
M12 = "month 12"


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def tf_visit(
    day: int,
    prednisone: float | None = 5.0,
    *,
    new_is: bool | None = False,
    ritux: bool | None = False,
    subject: str = "s1",
) -> dict[str, Any]:
    return {
        "subject_id": subject,
        "day": day,
        "prednisone": prednisone,
        "new_immunosuppressant": new_is,
        "rituximab": ritux,
    }


def failure(rows: list[dict[str, Any]]) -> tuple[pd.Series, pd.Series]:
    out = ep.score(make_frame(rows), MSC_ROLE)
    return pick(out, TF, W24), pick(out, TF, M12)


# Default course: baseline 20 mg, week-24 visit (168) 10 mg, month-12 visit (365) 5 mg,
# no new immunosuppressant, no rituximab. Each case lists (day, prednisone, new_is, ritux)
# visits added to or replacing the defaults (same day replaces).
BASE_COURSE = {0: (20.0, False, False), 168: (10.0, False, False), 365: (5.0, False, False)}


def course(**changes: tuple[float | None, bool | None, bool | None] | None) -> list[dict]:
    """BASE_COURSE with visits changed: ``d200=(12.0, False, False)``; None removes."""
    visits = dict(BASE_COURSE)
    for key, value in changes.items():
        day = int(key[1:].replace("m", "-"))
        if value is None:
            visits.pop(day, None)
        else:
            visits[day] = value
    return [
        tf_visit(day, pred, new_is=new_is, ritux=ritux)
        for day, (pred, new_is, ritux) in sorted(visits.items())
    ]


CASES = [
    pytest.param({}, False, False, id="no-failure"),
    # (a) prednisone > 10 at the week-24 visit
    pytest.param({"d168": (10.5, False, False)}, True, True, id="a-10.5-at-week-24"),
    pytest.param({"d168": (10.01, False, False)}, True, True, id="a-10.01-at-week-24"),
    pytest.param({"d168": (10.0, False, False)}, False, False, id="a-10-at-week-24"),
    pytest.param({"d168": (16.1 - 6.1, False, False)}, False, False, id="a-16.1-minus-6.1"),
    # the week-24 visit is the nearest in 140-196, not necessarily day 168
    pytest.param({"d168": None, "d175": (12.0, False, False)}, True, True, id="a-12-at-day-175"),
    pytest.param(
        {"d160": (12.0, False, False), "d168": (10.0, False, False)},
        False,
        False,
        id="a-12-at-160-not-the-week-24-visit",
    ),
    # (b) prednisone > 10 at a visit after day 168 (month 12 only)
    pytest.param({"d200": (12.0, False, False)}, False, True, id="b-12-at-day-200"),
    pytest.param({"d365": (10.5, False, False)}, False, True, id="b-10.5-at-month-12"),
    pytest.param({"d365": (10.0, False, False)}, False, False, id="b-10-at-month-12"),
    # prednisone > 10 before the week-24 visit is neither (a) nor (b)
    pytest.param({"d100": (12.0, False, False)}, False, False, id="12-at-day-100"),
    pytest.param({"d28": (40.0, False, False)}, False, False, id="40-at-day-28"),
    # a dose after the month-12 visit is outside the period
    pytest.param({"d380": (12.0, False, False)}, False, False, id="12-after-month-12-visit"),
    # (c) new immunosuppressive regimen in the period
    pytest.param({"d120": (10.0, True, False)}, True, True, id="c-new-is-day-120"),
    pytest.param({"d300": (5.0, True, False)}, False, True, id="c-new-is-day-300"),
    pytest.param({"d0": (20.0, True, False)}, False, False, id="c-new-is-at-day-0"),
    pytest.param({"d380": (5.0, True, False)}, False, False, id="c-new-is-after-month-12"),
    # (d) rituximab in the period
    pytest.param({"d100": (10.0, False, True)}, True, True, id="d-rituximab-day-100"),
    pytest.param({"d300": (5.0, False, True)}, False, True, id="d-rituximab-day-300"),
    pytest.param({"d168": (10.0, False, True)}, True, True, id="d-rituximab-at-week-24"),
    pytest.param({"d365": (5.0, False, True)}, False, True, id="d-rituximab-at-month-12"),
    pytest.param({"dm7": (20.0, False, True)}, False, False, id="d-rituximab-at-screening"),
    # missing values (Kleene OR)
    pytest.param({"d168": (None, False, False)}, None, None, id="dose-missing-at-week-24"),
    pytest.param(
        {"d168": (None, False, False), "d100": (10.0, False, True)},
        True,
        True,
        id="dose-missing-rituximab",
    ),
    pytest.param(
        {"d168": (None, False, False), "d200": (12.0, False, False)},
        None,
        True,
        id="dose-missing-b-met-at-month-12",
    ),
    pytest.param(
        {"d168": (None, False, False), "d300": (5.0, True, False)},
        None,
        True,
        id="dose-missing-c-at-day-300",
    ),
    # (b) is an event: a visit without a dose is not an assessment of it (interpretations,
    # "Visit without the compared variable"), so with the month-12 visit present: False
    pytest.param({"d365": (None, False, False)}, False, False, id="dose-missing-at-month-12"),
    pytest.param(
        {"d365": (None, False, False), "d250": (12.0, False, False)},
        False,
        True,
        id="dose-missing-at-month-12-b-at-250",
    ),
    # no assessment visit: an observed event still counts, otherwise <NA>
    pytest.param({"d365": None}, False, None, id="no-month-12-visit"),
    pytest.param(
        {"d365": None, "d250": (5.0, False, True)}, False, True, id="no-month-12-visit-rituximab"
    ),
    pytest.param(
        {"d365": None, "d250": (12.0, False, False)}, False, True, id="no-month-12-visit-b"
    ),
    pytest.param(
        {"d168": None, "d365": None, "d100": (10.0, True, False)},
        True,
        True,
        id="no-visits-in-window-new-is",
    ),
]


@pytest.mark.parametrize(("changes", "week24", "month12"), CASES)
def test_treatment_failure(changes, week24, month12):
    w24, m12 = failure(course(**changes))
    assert_result(w24, week24)
    assert_result(m12, month12)


def test_treatment_failure_days():
    w24, m12 = failure(course())
    assert w24.day == 168
    assert m12.day == 365
    w24, m12 = failure(course(d365=None))
    assert pd.isna(m12.day)
    assert "no visit in window" in m12.reason.lower()


def test_treatment_failure_reason_names_criterion_and_day():
    w24, m12 = failure(course(d120=(10.0, True, False)))
    for row in (w24, m12):
        assert "(c)" in row.reason
        assert "day 120" in row.reason
    _, m12 = failure(course(d200=(12.0, False, False)))
    assert "(b)" in m12.reason
    assert "day 200" in m12.reason
    w24, m12 = failure(course(d168=(10.5, False, False)))
    for row in (w24, m12):
        assert "(a)" in row.reason
        assert "day 168" in row.reason
    _, m12 = failure(course(d300=(5.0, False, True)))
    assert "(d)" in m12.reason
    assert "day 300" in m12.reason


def test_treatment_failure_reason_first_criterion_first():
    # (a) at 168 and (d) at 100: the reason names (a) first
    w24, _ = failure(course(d100=(10.0, False, True), d168=(12.0, False, False)))
    assert "(a)" in w24.reason
    assert "day 168" in w24.reason


def test_treatment_failure_several_subjects():
    rows = [
        *[{**r, "subject_id": "a"} for r in course(d168=(10.5, False, False))],
        *[{**r, "subject_id": "b"} for r in course()],
        *[{**r, "subject_id": "c"} for r in course(d365=None)],
    ]
    out = ep.score(make_frame(rows), MSC_ROLE)
    assert_result(pick(out, TF, M12, "a"), True)
    assert_result(pick(out, TF, M12, "b"), False)
    assert_result(pick(out, TF, M12, "c"), None)
