"""Score the bundled example visit table for NCT03580291 and print a readable summary.

Run with ``make demo`` (or ``python examples/demo.py`` inside the environment).
"""

from pathlib import Path

import pandas as pd

import endpoints as ep

TRIAL = "NCT03580291"
visits = pd.read_csv(Path(__file__).with_name("nct03580291_visits.csv"))
results = ep.score(visits, TRIAL)
arms = visits.drop_duplicates("subject_id").set_index("subject_id")["arm"]
results["arm"] = results["subject_id"].map(arms)

trial = ep.get_trial(TRIAL)
print(f"{trial.id}: {trial.title}")
n_subjects = visits.subject_id.nunique()
print(f"{n_subjects} subjects, {len(visits)} visits -> {len(results)} result rows\n")

binary = results[results.endpoint.str.contains("renal_response")]
summary = binary.groupby(["endpoint", "timepoint", "arm"], sort=False).agg(
    subjects=("subject_id", "size"),
    responders=("result", lambda r: int((r == True).sum())),  # noqa: E712
    non_responders=("result", lambda r: int((r == False).sum())),  # noqa: E712
    not_evaluable=("result", lambda r: int(r.isna().sum())),
)
print("Renal response (counts; not evaluable = no visit in window or missing data)")
print(summary.to_string(), "\n")

categories = results[results.endpoint == "renal_response"]
print("renal_response categories")
print(pd.crosstab([categories.timepoint, categories.arm], categories.category.fillna("<NA>")), "\n")

tte = results[results.endpoint.str.startswith("time_to")]
print("Time to response by week 24 (median day among responders)")
print(tte[tte.result == True].groupby(["endpoint", "arm"])["value"].median().to_string(), "\n")  # noqa: E712

change = results[results.endpoint.str.endswith("_change") & (results.timepoint == "week 24")]
print("Change from baseline at week 24 (mean)")
print(change.groupby(["endpoint", "arm"])["value"].mean().round(2).unstack().to_string(), "\n")

print("Reasons for non-response or missing results (renal_response, week 24), most common:")
not_responding = ~categories.result.fillna(False).astype(bool)
reasons = categories[(categories.timepoint == "week 24") & not_responding]
print(reasons.reason.value_counts().head(8).to_string())
