"""``shift_table``: how the presence of a finding (cytopenia, low complement...) moves
from baseline to each later timepoint, counted per group (SPEC section 4: "changes in
the presence" are reported as shift counts)."""

from __future__ import annotations

import itertools

import pandas as pd

from . import registry
from .definitions import TrialDefinition
from .errors import InputError
from .results import check_results
from .summary import NO_GROUP, _groups

STATES = ("present", "absent", "not evaluable")


def shift_table(results: pd.DataFrame, visits, endpoint: str, *, by: str = "arm",
                trial: str | TrialDefinition | None = None) -> pd.DataFrame:
    """Subjects by their status at baseline and at each later timepoint of a binary
    endpoint scored at a baseline timepoint: present (True), absent (False), not
    evaluable (``<NA>``).

    Parameters
    ----------
    results : DataFrame
        A result table of :func:`endpoints.score`.
    visits : DataFrame or TrialData
        The visit table (or CDISC data) that gives each subject's group.
    endpoint : str
        A binary endpoint scored at a baseline timepoint (e.g. ``"cytopenia"``).
    by : str, default "arm"
        Grouping column of `visits`.
    trial : str or TrialDefinition, optional
        The scored trial's definition when it is not registered.

    Returns
    -------
    DataFrame
        One row per timepoint x group x baseline status x status at the timepoint
        (every combination, zero where no subject has it): ``endpoint``, ``timepoint``,
        ``day`` (its target day), the group column, ``baseline``, ``status`` and
        ``subjects``.

    Examples
    --------
    >>> import endpoints as ep, warnings
    >>> warnings.simplefilter("ignore", ep.EndpointsWarning)
    >>> visits = pd.DataFrame({"subject_id": ["a", "a", "b", "b"], "day": [0, 84] * 2,
    ...                        "arm": "MSC", "platelets": [80.0, 150.0, 90.0, 95.0],
    ...                        "wbc": 5.0})
    >>> table = ep.shift_table(ep.score(visits, "NCT02633163"), visits, "cytopenia")
    >>> week12 = table[(table.timepoint == "week 12") & (table.subjects > 0)]
    >>> week12[["baseline", "status", "subjects"]].to_dict("records")
    [{'baseline': 'present', 'status': 'present', 'subjects': 1}, \
{'baseline': 'present', 'status': 'absent', 'subjects': 1}]
    """
    from .cdisc import TrialData

    frame = check_results(results).reset_index(drop=True)
    frame = frame[frame["endpoint"] == endpoint]
    if frame.empty:
        raise InputError("endpoint=", f"{endpoint!r} is not in the result table")
    trial_ids = frame["trial_id"].dropna().unique()
    if len(trial_ids) != 1:
        raise InputError("trial_id", f"expected the results of one trial, got {len(trial_ids)}")
    definition = registry.definition_of(trial_ids[0], trial)
    days = {t.label: t.day for t in definition.timepoints}
    baselines = [t.label for t in definition.timepoints if t.baseline]
    base = next((label for label in baselines if (frame["timepoint"] == label).any()), None)
    if base is None:
        raise InputError("endpoint=", f"{endpoint!r} is not scored at a baseline timepoint, "
                                      "so it has no shifts")
    if isinstance(visits, TrialData):
        visits = pd.concat([visits.demographics, visits.visits], ignore_index=True)
    groups = _groups(visits, by)
    state = frame["result"].map({True: STATES[0], False: STATES[1]}).fillna(STATES[2])
    frame = frame.assign(state=state.astype(object))
    at_base = frame[frame["timepoint"] == base].set_index("subject_id")["state"]
    later = frame[frame["timepoint"] != base].assign(
        baseline=lambda f: f["subject_id"].map(at_base).fillna(STATES[2]),
        group=lambda f: f["subject_id"].map(pd.Series(groups)).fillna(NO_GROUP))
    counts = later.groupby(["timepoint", "group", "baseline", "state"]).size()
    timepoints = sorted(later["timepoint"].unique(), key=lambda t: days.get(t, 0))
    group_labels = sorted(set(later["group"]), key=lambda g: (g == NO_GROUP, g))
    grid = pd.DataFrame(list(itertools.product(timepoints, group_labels, STATES, STATES)),
                        columns=["timepoint", "group", "baseline", "state"])
    grid["subjects"] = [int(counts.get(tuple(row), 0)) for row in grid.itertuples(
        index=False, name=None)]
    out = grid.rename(columns={"group": by, "state": "status"})
    out.insert(0, "endpoint", endpoint)
    out.insert(2, "day", out["timepoint"].map(days).astype("Int64"))
    return out.astype({"endpoint": "string", "timepoint": "string", by: "string",
                       "baseline": "string", "status": "string"})
