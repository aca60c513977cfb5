"""The trial registry: built-in trials, lookups, registration and definition files.

SPEC section 1: ``ep.list_trials()``, ``ep.get_trial(id)`` -> ``TrialDefinition`` (a
frozen, JSON-serialisable pydantic model), ``ep.register(definition)``,
``ep.load_trial(path)`` and ``ep.score(visits, trial)`` with ``trial`` an ID or a
definition object (custom trials work exactly like built-in ones).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import uuid
import warnings

import pandas as pd
import pytest

import endpoints as ep
import endpoints.registry as registry_module

BUILTINS = ["NCT02633163", "NCT03580291", "NCT03673748", "NCT03917797"]


@pytest.fixture(autouse=True)
def isolated_registry(monkeypatch):
    """Give each test its own copy of the registry so registrations do not leak.

    The tests use unique IDs anyway; this only keeps other test modules (which may
    check ``ep.list_trials()`` exactly) from seeing the trials registered here. It
    relies on the private ``_trials`` dict and is a no-op if that ever goes away.
    """
    ep.list_trials()  # load the built-ins first
    if isinstance(getattr(registry_module, "_trials", None), dict):
        monkeypatch.setattr(registry_module, "_trials", dict(registry_module._trials))
    yield


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def unique_id(prefix: str = "CUSTOM") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12].upper()}"


def custom_copy(trial_id: str, new_id: str | None = None) -> ep.TrialDefinition:
    data = ep.get_trial(trial_id).model_dump()
    data["id"] = new_id or unique_id()
    return ep.TrialDefinition.model_validate(data)


def visits() -> pd.DataFrame:
    """A small but varied visit table with the columns the built-in trials read."""
    rows = []
    days = (-14, 0, 28, 84, 140, 168, 300, 364, 365)
    for s in range(4):
        for k, day in enumerate(days):
            t = max(day, 0) / 365
            rows.append(
                {
                    "subject_id": f"P{s:02d}",
                    "day": day,
                    "upcr": round(3.2 - (2.9 - 0.6 * s) * t, 3),
                    "proteinuria_24h": round(4.0 - (3.6 - 0.9 * s) * t, 3),
                    "egfr": 75.0 + 5 * s - (3 * k if s == 3 else -k),
                    "creatinine": 1.0 + 0.05 * s,
                    "serum_albumin": 2.7 + 0.9 * t,
                    "urine_rbc": 15.0 - (12 - 4 * s) * t,
                    "urine_wbc": 9.0 - 7 * t,
                    "rbc_casts": bool(day <= 0 or s == 2),
                    "prednisone": 30.0 - 25 * t if s != 1 else 15.0,
                    "sledai": 14.0 - (4 * s) * round(t, 1),
                    "pga": 2.0 - round(t, 1) + (0.3 if s == 3 else 0.0),
                    "bilag_renal": "A" if day <= 0 else ("B" if s == 2 else "C"),
                    "bilag_mucocutaneous": "B" if s == 3 and day > 100 else "C",
                    "anti_dsdna": 120.0 - 40 * t + s,
                    "c3": 0.55 + 0.3 * t,
                    "c4": 0.07 + 0.04 * t,
                    "sf36": 40.0 + 8 * t,
                    "lupusqol": 60.0 + 10 * t,
                    "slicc_di": 1.0 + (s == 3),
                    "promis_fatigue": 55.0 - 5 * t,
                    "promis_pain": 50.0 - 4 * t,
                    "promis_depression": 52.0 - 3 * t,
                    "lupuspro": 70.0 + 5 * t,
                }
            )
    return pd.DataFrame(rows)


def score_quiet(table, trial, **kwargs) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ep.EndpointsWarning)
        return ep.score(table, trial, **kwargs)


def without_trial_id(table: pd.DataFrame) -> pd.DataFrame:
    return table.drop(columns=["trial_id"])


# --------------------------------------------------------------------------------------
# Built-in trials and lookups
# --------------------------------------------------------------------------------------


def test_list_trials_in_a_fresh_interpreter_is_exactly_the_builtins():
    code = "import json, endpoints as ep; print(json.dumps(ep.list_trials()))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(done.stdout) == BUILTINS


def test_list_trials_is_sorted_and_has_the_builtins():
    trials = ep.list_trials()
    assert isinstance(trials, list)
    assert all(isinstance(t, str) for t in trials)
    assert trials == sorted(trials)
    assert [t for t in trials if t in BUILTINS] == BUILTINS


def test_list_trials_returns_a_copy():
    trials = ep.list_trials()
    trials.append("NOT-A-TRIAL")
    assert "NOT-A-TRIAL" not in ep.list_trials()


@pytest.mark.parametrize("trial_id", BUILTINS)
def test_get_trial_returns_definition(trial_id):
    trial = ep.get_trial(trial_id)
    assert isinstance(trial, ep.TrialDefinition)
    assert trial.id == trial_id
    assert trial.timepoints and trial.endpoints


@pytest.mark.parametrize("trial_id", BUILTINS)
def test_definition_round_trips_through_json(trial_id):
    trial = ep.get_trial(trial_id)
    text = trial.model_dump_json()
    json.loads(text)  # valid JSON
    assert ep.TrialDefinition.model_validate_json(text) == trial
    assert ep.TrialDefinition.model_validate(json.loads(text)) == trial
    assert ep.TrialDefinition.model_validate(trial.model_dump()) == trial


@pytest.mark.parametrize("trial_id", BUILTINS)
def test_definition_is_frozen(trial_id):
    trial = ep.get_trial(trial_id)
    with pytest.raises((TypeError, ValueError, AttributeError)):
        trial.id = "CHANGED"
    with pytest.raises((TypeError, ValueError, AttributeError)):
        trial.title = "changed"
    with pytest.raises((TypeError, ValueError, AttributeError)):
        trial.timepoints[0].day = 1
    with pytest.raises((TypeError, ValueError, AttributeError)):
        trial.endpoints[0].name = "changed"
    assert ep.get_trial(trial_id).id == trial_id


def test_get_trial_returns_equal_definitions_each_time():
    assert ep.get_trial("NCT03917797") == ep.get_trial("NCT03917797")


def test_builtin_endpoint_names_cover_spec_core():
    """A few stable endpoint names of SPEC section 4."""
    names = {t: {e.name for e in ep.get_trial(t).endpoints} for t in BUILTINS}
    assert {"renal_response", "complete_renal_response", "partial_renal_response",
            "c3_change"} <= names["NCT03917797"]
    assert {"renal_response", "time_to_complete_response", "upcr_change",
            "egfr_change"} <= names["NCT03580291"]
    assert {"renal_response", "proteinuria_change"} <= names["NCT03673748"]
    assert {"sledai_change", "upcr_change"} <= names["NCT02633163"]


def test_unknown_trial_error_classes():
    assert issubclass(ep.UnknownTrialError, ep.EndpointsError)
    assert issubclass(ep.UnknownTrialError, KeyError)


@pytest.mark.parametrize(
    ("typo", "nearest"),
    [
        ("NCT03917798", "NCT03917797"),
        ("NCT0358029", "NCT03580291"),
        ("NCT03673749", "NCT03673748"),
        ("NTC02633163", "NCT02633163"),
    ],
)
def test_unknown_trial_lists_known_and_suggests_nearest(typo, nearest):
    with pytest.raises(ep.UnknownTrialError) as info:
        ep.get_trial(typo)
    message = str(info.value)
    assert typo in message
    for known in BUILTINS:
        assert known in message
    # the nearest ID is named twice (listed and suggested), the others once
    assert message.count(nearest) >= 2, message
    for other in BUILTINS:
        if other != nearest:
            assert message.count(other) == 1, message
    assert isinstance(info.value, KeyError)


def test_unknown_trial_without_any_near_match_still_lists_known():
    with pytest.raises(ep.UnknownTrialError) as info:
        ep.get_trial("completely-different")
    for known in BUILTINS:
        assert known in str(info.value)


def test_score_with_unknown_trial_id_raises_unknown_trial_error():
    with pytest.raises(ep.UnknownTrialError) as info:
        ep.score(visits(), "NCT03917798")
    assert "NCT03917797" in str(info.value)


# --------------------------------------------------------------------------------------
# Registration
# --------------------------------------------------------------------------------------


def test_definition_error_class():
    assert issubclass(ep.DefinitionError, ep.EndpointsError)


@pytest.mark.parametrize("trial_id", BUILTINS)
def test_register_existing_builtin_id_fails_and_does_not_overwrite(trial_id):
    original = ep.get_trial(trial_id)
    registered = ep.list_trials()
    data = original.model_dump()
    data["title"] = "An impostor"
    data["endpoints"] = data["endpoints"][:1]
    impostor = ep.TrialDefinition.model_validate(data)
    with pytest.raises(ep.DefinitionError) as info:
        ep.register(impostor)
    assert trial_id in str(info.value)
    assert ep.get_trial(trial_id) == original
    assert ep.get_trial(trial_id).title != "An impostor"
    assert ep.list_trials() == registered


def test_register_custom_id_twice_fails_and_keeps_first():
    first = custom_copy("NCT03580291")
    ep.register(first)
    data = first.model_dump()
    data["title"] = "second"
    with pytest.raises(ep.DefinitionError):
        ep.register(ep.TrialDefinition.model_validate(data))
    assert ep.get_trial(first.id) == first
    assert ep.get_trial(first.id).title != "second"


def test_register_rejects_non_definitions():
    with pytest.raises(ep.DefinitionError):
        ep.register({"id": unique_id(), "title": "dict, not a definition"})


def test_registered_custom_trial_appears_in_list_trials():
    custom = custom_copy("NCT03917797")
    assert custom.id not in ep.list_trials()
    ep.register(custom)
    trials = ep.list_trials()
    assert custom.id in trials
    assert trials == sorted(trials)
    assert set(BUILTINS) <= set(trials)
    assert ep.get_trial(custom.id) == custom


@pytest.mark.parametrize("trial_id", BUILTINS)
def test_custom_copy_scores_exactly_like_builtin(trial_id):
    table = visits()
    builtin = score_quiet(table, trial_id)
    custom = custom_copy(trial_id)

    # by object, before and after registration
    by_object = score_quiet(table, custom)
    ep.register(custom)
    by_id = score_quiet(table, custom.id)
    by_object_registered = score_quiet(table, custom)

    for out in (by_object, by_id, by_object_registered):
        assert (out["trial_id"] == custom.id).all()
        assert str(out["trial_id"].dtype) == str(builtin["trial_id"].dtype)
        pd.testing.assert_frame_equal(without_trial_id(out), without_trial_id(builtin))
    assert (builtin["trial_id"] == trial_id).all()


@pytest.mark.parametrize("trial_id", BUILTINS)
def test_builtin_definition_object_scores_like_its_id(trial_id):
    table = visits()
    pd.testing.assert_frame_equal(
        score_quiet(table, ep.get_trial(trial_id)), score_quiet(table, trial_id)
    )


def test_unregistered_definition_object_scores_without_registering():
    custom = custom_copy("NCT03580291")
    out = score_quiet(visits(), custom)
    assert (out["trial_id"] == custom.id).all()
    assert custom.id not in ep.list_trials()


def test_modified_custom_definition_changes_scoring():
    """A user's own CR threshold is honoured (custom trials are not just copies)."""
    data = ep.get_trial("NCT03580291").model_dump()
    data["id"] = unique_id("KDIGO-STRICT")
    data["criteria"]["cr"] = {
        "label": "strict CR",
        "all": [{"variable": "upcr", "op": "<", "value": 0.2, "label": "UPCR < 0.2"},
                "egfr_stable"],
    }
    strict = ep.TrialDefinition.model_validate(data)
    table = pd.DataFrame({"subject_id": ["S1", "S1"], "day": [0, 84],
                          "upcr": [3.0, 0.3], "egfr": [90.0, 90.0]})
    default = score_quiet(table, "NCT03580291")
    custom = score_quiet(table, ep.register(strict).id)

    def category(out):
        hit = out[(out["endpoint"] == "renal_response") & (out["timepoint"] == "week 12")]
        return hit["category"].iloc[0]

    assert category(default) == "CR"
    assert category(custom) == "PR"


# --------------------------------------------------------------------------------------
# Definition files
# --------------------------------------------------------------------------------------


SMALL_TOML = """\
id = "{id}"
title = "A small custom trial"

[[timepoints]]
label = "week 12"
day = 84

[[timepoints]]
label = "week 24"
day = 168
window = 14

[[endpoints]]
name = "c3_change"
kind = "change"
variable = "c3"
timepoints = ["week 12", "week 24"]
"""


def test_load_trial_toml_and_score(tmp_path):
    trial_id = unique_id("TOML")
    path = tmp_path / "small.toml"
    path.write_text(SMALL_TOML.format(id=trial_id), encoding="utf-8")
    trial = ep.load_trial(path)
    assert isinstance(trial, ep.TrialDefinition)
    assert trial.id == trial_id
    assert [(t.label, t.day) for t in trial.timepoints] == [("week 12", 84), ("week 24", 168)]
    assert [e.name for e in trial.endpoints] == ["c3_change"]
    assert ep.load_trial(str(path)) == trial  # str path too
    assert trial_id not in ep.list_trials()  # loading does not register

    table = pd.DataFrame({"subject_id": ["A", "A", "A", "B"], "day": [0, 80, 190, 0],
                          "c3": [0.5, 0.75, 0.9, 0.6]})
    out = ep.score(table, trial)
    assert list(out.columns) == ["trial_id", "subject_id", "endpoint", "timepoint", "day",
                                 "result", "category", "value", "reason"]
    assert len(out) == 4
    a12 = out[(out["subject_id"] == "A") & (out["timepoint"] == "week 12")].iloc[0]
    assert a12["day"] == 80
    assert float(a12["value"]) == pytest.approx(0.25, abs=1e-12)
    # week 24 window is 14 days: day 190 is 22 days away -> not evaluable
    a24 = out[(out["subject_id"] == "A") & (out["timepoint"] == "week 24")].iloc[0]
    assert pd.isna(a24["value"]) and pd.isna(a24["day"])
    assert a24["reason"] == "no visit in window"
    b = out[out["subject_id"] == "B"]
    assert b["value"].isna().all()

    ep.register(trial)
    pd.testing.assert_frame_equal(ep.score(table, trial_id), out)


@pytest.mark.parametrize("trial_id", BUILTINS)
def test_load_trial_json(tmp_path, trial_id):
    new_id = unique_id("JSON")
    data = json.loads(ep.get_trial(trial_id).model_dump_json())
    data["id"] = new_id
    path = tmp_path / "trial.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    loaded = ep.load_trial(path)
    assert loaded.id == new_id
    assert loaded.model_copy(update={"id": trial_id}) == ep.get_trial(trial_id)
    table = visits()
    pd.testing.assert_frame_equal(
        without_trial_id(score_quiet(table, loaded)),
        without_trial_id(score_quiet(table, trial_id)),
    )


def test_dumped_builtin_json_file_loads_back_equal(tmp_path):
    trial = ep.get_trial("NCT03580291")
    path = tmp_path / "trial.json"
    path.write_text(trial.model_dump_json(), encoding="utf-8")
    assert ep.load_trial(path) == trial


def without_lists(message: str) -> str:
    """The message without bracketed lists (e.g. the list of defined criteria)."""
    return re.sub(r"\[[^\]]*\]", "", message)


def bad_definition_message(tmp_path, text: str, suffix: str = ".toml") -> str:
    path = tmp_path / f"bad{suffix}"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ep.DefinitionError) as info:
        ep.load_trial(path)
    message = str(info.value)
    assert str(path) in message or path.name in message, message
    return message


def test_bad_op_in_endpoint_names_its_location(tmp_path):
    text = textwrap.dedent(
        """\
        id = "BAD-OP"
        title = "bad op"

        [[timepoints]]
        label = "week 12"
        day = 84

        [[endpoints]]
        name = "low_upcr"
        kind = "response"
        timepoints = ["week 12"]
        criteria = { variable = "upcr", op = "=<", value = 0.5 }
        """
    )
    message = bad_definition_message(tmp_path, text)
    assert "endpoints.0" in message, message
    assert "criteria" in message and "op" in message, message


def test_bad_op_in_named_criterion_names_its_location(tmp_path):
    data = json.loads(ep.get_trial("NCT03580291").model_dump_json())
    data["id"] = unique_id()
    data["criteria"]["pr"]["all"][1]["op"] = "=<"
    message = bad_definition_message(tmp_path, json.dumps(data), ".json")
    assert "criteria.pr" in message, message
    assert "op" in message, message


def test_unknown_timepoint_label_names_endpoint_and_label(tmp_path):
    text = SMALL_TOML.format(id="BAD-TP").replace(
        'timepoints = ["week 12", "week 24"]', 'timepoints = ["week 12", "week 99"]'
    )
    message = bad_definition_message(tmp_path, text)
    assert "c3_change" in message, message
    assert "week 99" in message, message


def test_undefined_criterion_in_endpoint_names_its_location(tmp_path):
    text = textwrap.dedent(
        """\
        id = "BAD-REF"
        title = "undefined criterion"

        [[timepoints]]
        label = "week 12"
        day = 84

        [criteria.low_upcr]
        variable = "upcr"
        op = "<"
        value = 0.5

        [[endpoints]]
        name = "responder"
        kind = "response"
        timepoints = ["week 12"]
        criteria = { all = ["low_upcr", "high_albumin"] }
        """
    )
    message = bad_definition_message(tmp_path, text)
    assert "high_albumin" in message, message
    # where the bad reference is: the endpoint (by name or by position)
    located = without_lists(message)
    assert "responder" in located or "endpoints.0" in located, message


def test_undefined_criterion_in_named_criterion_names_its_location(tmp_path):
    data = json.loads(ep.get_trial("NCT03580291").model_dump_json())
    data["id"] = unique_id()
    data["criteria"]["cr"]["all"][1] = "egfr_stabel"
    message = bad_definition_message(tmp_path, json.dumps(data), ".json")
    assert "egfr_stabel" in message, message
    # where the bad reference is: the named criterion "cr" (not just the list of names)
    assert re.search(r"\bcr\b", without_lists(message)), message


@pytest.mark.parametrize(
    ("text", "where"),
    [
        pytest.param(SMALL_TOML.replace('title = "A small custom trial"\n', ""), "title",
                     id="missing-title"),
        pytest.param(SMALL_TOML.replace('kind = "change"', 'kind = "changes"'), "endpoints.0",
                     id="unknown-kind"),
        pytest.param(SMALL_TOML.replace('variable = "c3"', 'variable = "c3"\nvarible = "c4"'),
                     "varible", id="unknown-field"),
        pytest.param(SMALL_TOML.replace("day = 84", 'day = "eighty-four"'), "timepoints.0.day",
                     id="non-integer-day"),
        pytest.param(SMALL_TOML.replace('name = "c3_change"', 'name = "C3 change"'),
                     "endpoints.0", id="bad-endpoint-name"),
        pytest.param(SMALL_TOML.replace("window = 14", "window = -1"), "timepoints.1.window",
                     id="negative-window"),
    ],
)
def test_invalid_fields_name_their_location(tmp_path, text, where):
    message = bad_definition_message(tmp_path, text.format(id="BAD"))
    assert where in message, message


def test_duplicate_endpoint_names_are_rejected(tmp_path):
    text = SMALL_TOML + textwrap.dedent(
        """
        [[endpoints]]
        name = "c3_change"
        kind = "change"
        variable = "c4"
        timepoints = ["week 12"]
        """
    )
    message = bad_definition_message(tmp_path, text.format(id="BAD-DUP"))
    assert "c3_change" in message, message


def test_self_referencing_criterion_is_rejected(tmp_path):
    data = json.loads(ep.get_trial("NCT03580291").model_dump_json())
    data["id"] = unique_id()
    data["criteria"]["egfr_stable"] = {"all": ["cr"]}
    message = bad_definition_message(tmp_path, json.dumps(data), ".json")
    assert re.search(r"\b(cr|egfr_stable)\b", without_lists(message)), message


@pytest.mark.parametrize(
    ("name", "text"),
    [("broken.toml", "id = \n[[timepoints"), ("broken.json", '{"id": "X", ')],
)
def test_unparseable_files_raise_definition_error(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ep.DefinitionError) as info:
        ep.load_trial(path)
    assert name in str(info.value)


def test_missing_file_raises_definition_error(tmp_path):
    path = tmp_path / "nope.toml"
    with pytest.raises(ep.DefinitionError) as info:
        ep.load_trial(path)
    assert "nope.toml" in str(info.value)


def test_bad_definition_object_cannot_be_built_either():
    data = json.loads(ep.get_trial("NCT03580291").model_dump_json())
    data["endpoints"][0]["timepoints"] = ["week 99"]
    with pytest.raises(ValueError, match="week 99"):
        ep.TrialDefinition.model_validate(data)
