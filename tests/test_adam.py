"""ADaM-style export of the result table."""

import pandas as pd
import pytest

import endpoints as ep
from endpoints.adam import ADAM_COLUMNS, paramcd

pytestmark = pytest.mark.filterwarnings("ignore::endpoints.EndpointsWarning")

VISITS = pd.DataFrame({
    "subject_id": ["S1", "S1", "S2", "S2"],
    "day": [0, 84, 0, 84],
    "upcr": [3.0, 0.4, 2.0, 1.9],
    "egfr": [90.0, 80.0, 70.0, 70.0],
})


@pytest.mark.parametrize("trial_id", ep.list_trials())
def test_parameter_codes_are_short_and_unique(trial_id):
    names = [e.name for e in ep.get_trial(trial_id).endpoints]
    codes = paramcd(names)
    assert len(set(codes.values())) == len(names)
    assert all(len(c) <= 8 and c == c.upper() for c in codes.values())


def test_binary_categorical_and_continuous_records():
    results = ep.score(VISITS, "NCT03580291")
    adam = ep.to_adam(results)
    extra = list(adam.columns)[len(ADAM_COLUMNS):]  # the parts of long reasons
    assert list(adam.columns)[:len(ADAM_COLUMNS)] == ADAM_COLUMNS
    assert extra == [f"REASON{k}" for k in range(1, len(extra) + 1)]
    assert all(adam[c].str.len().max() <= 200 for c in ["REASON", *extra])
    joined = adam[["REASON", *extra]].apply(
        lambda r: " ".join(p for p in r if isinstance(p, str)), axis=1)
    assert (joined == results.reason.fillna("")).all()  # nothing lost
    assert len(adam) == len(results)
    assert adam.index.equals(results.index)

    def record(subject, code, visit="Week 12"):
        hit = adam[(adam.USUBJID == subject) & (adam.PARAMCD == code) & (adam.AVISIT == visit)]
        assert len(hit) == 1
        return hit.iloc[0]

    cr = record("S1", "CRR")
    assert (cr.AVALC, cr.AVAL, cr.ADY, cr.AVISITN, cr.PARCAT1) == ("Y", 1.0, 84, 84, "response")
    no = record("S2", "CRR")
    assert (no.AVALC, no.AVAL) == ("N", 0.0)
    assert "UPCR < 0.5" in no.REASON
    category = record("S2", "RR")
    assert (category.AVALC, category.AVAL) == ("NR", 0.0)
    change = record("S1", "UPCRCHG")
    assert pd.isna(change.AVALC) and change.AVAL == pytest.approx(-2.6)
    missing = record("S1", "CRR", "Week 24")
    assert pd.isna(missing.AVALC) and pd.isna(missing.AVAL) and pd.isna(missing.ADY)
    assert missing.REASON == "no visit in window"


def test_unregistered_trial_is_given_explicitly():
    results = ep.score(VISITS, "NCT03580291")
    trial = ep.get_trial("NCT03580291").model_copy(update={"id": "CUSTOM-2"})
    custom = results.assign(trial_id=pd.array(["CUSTOM-2"] * len(results), dtype="string"))
    with pytest.raises(ep.UnknownTrialError):
        ep.to_adam(custom)
    adam = ep.to_adam(custom, trial=trial)
    expected = ep.to_adam(results).assign(STUDYID=pd.array(["CUSTOM-2"] * len(adam),
                                                            dtype="string"))
    pd.testing.assert_frame_equal(adam, expected)


def test_not_a_result_table():
    with pytest.raises(ep.InputError, match="result"):
        ep.to_adam(pd.DataFrame({"subject_id": ["S1"]}))
