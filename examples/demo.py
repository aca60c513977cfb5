"""Score the bundled example visit table for NCT03917797 (MSC-ROLE), print a summary and
write the HTML report, then score the same trial from its bundled CDISC ADaM and SDTM
datasets.

The table is synthetic (``python examples/make_example_data.py`` draws it with
``ep.simulate``). Run with ``make demo`` (or ``python examples/demo.py [OUTPUT_FOLDER]``
inside the environment); the report is written to ``demo-output/`` by default.
"""

import sys
from pathlib import Path

import pandas as pd

import endpoints as ep

TRIAL = "NCT03917797"
visits = pd.read_csv(Path(__file__).with_name("nct03917797_visits.csv"))
trial = ep.get_trial(TRIAL)
results = ep.score(visits, TRIAL)
arm_of = visits.drop_duplicates("subject_id").set_index("subject_id")["arm"]
results["arm"] = pd.Categorical(results["subject_id"].map(arm_of),
                                categories=[a.label for a in trial.arms])
order = {tp.label: tp.day for tp in trial.timepoints}


def section(title: str) -> None:
    print(f"\n{title}\n{'-' * len(title)}")


def by_timepoint(frame: pd.DataFrame) -> pd.DataFrame:
    """Sort the (endpoint, timepoint) index by endpoint, then timepoint day."""
    return frame.sort_index(level=["endpoint", "timepoint"],
                            key=lambda ix: ix.map(order) if ix.name == "timepoint" else ix)


print(f"{trial.id}: {trial.title}")
arms = ", ".join(f"{a.label} {n}" for a, n in zip(
    trial.arms, visits.groupby("arm").subject_id.nunique()[[a.label for a in trial.arms]],
    strict=True))
print(f"{visits.subject_id.nunique()} subjects ({arms}), {len(visits)} visits "
      f"-> {len(results)} result rows")

# Binary endpoints: met / not met / not evaluable, with the rate among the evaluable.
binary = {e.name for e in trial.endpoints
          if e.kind in ("response", "event") or (e.kind == "categorical" and e.binary)}
rows = results[results.endpoint.isin(binary)]
counts = rows.groupby(["endpoint", "timepoint", "arm"], observed=True)["result"].agg(
    met=lambda r: int((r == True).sum()),  # noqa: E712
    not_met=lambda r: int((r == False).sum()),  # noqa: E712
    not_evaluable=lambda r: int(r.isna().sum()),
)
cells = counts.apply(
    lambda c: f"{c.met:2d} / {c.not_met:2d} / {c.not_evaluable:d}"
    + (f"  ({c.met / (c.met + c.not_met):4.0%})" if c.met + c.not_met else ""), axis=1)
section("Binary endpoints: met / not met / not evaluable (rate among evaluable)")
print(by_timepoint(cells.unstack("arm")).to_string())

section("renal_response (month 12) category by arm")
renal = results[results.endpoint == "renal_response"]
category = renal.category.astype("string").fillna("not evaluable")  # a categorical: to text
table = pd.crosstab(renal.arm, category, margins=True, margins_name="total")
print(table.reindex(columns=["CR", "PR", "NR", "not evaluable", "total"], fill_value=0)
      .to_string())

section("Change from baseline: mean (n evaluable) by arm")
change = results[results.endpoint.isin({e.name for e in trial.endpoints if e.kind == "change"})]
summary = change.groupby(["endpoint", "timepoint", "arm"], observed=True)["value"].agg(
    ["mean", "count"])
cells = summary.apply(lambda s: f"{s['mean']:7.1f} ({int(s['count'])})", axis=1)
print(by_timepoint(cells.unstack("arm")).to_string())

section("Most common reasons for non-response (failed criteria, month 12)")
responses = ["complete_renal_response", "partial_renal_response", "sri4"]
failed = results[results.endpoint.isin(responses) & (results.result == False)  # noqa: E712
                 & results.reason.str.startswith("not met: ")]
criteria = failed.assign(
    criterion=failed.reason.str.removeprefix("not met: ").str.split(", ")).explode("criterion")
top = criteria.value_counts(["endpoint", "criterion"]).rename("subjects").head(8)
print(top.to_string())

section("Why results are not evaluable (all endpoints)")
missing = results[results.result.isna() & results.value.isna()]
print(missing.reason.value_counts().head(5).rename("results").to_string())

section("Primary endpoint as a report table (ep.summarize -> ep.format_table)")
summary = ep.summarize(results.drop(columns="arm"), visits)
primary = summary[summary.endpoint.isin(["renal_response", "sri4"])].pipe(ep.format_table)
print(primary.drop(columns="trial_id").to_string(index=False))

folder = Path(sys.argv[1] if len(sys.argv) > 1 else "demo-output")
folder.mkdir(parents=True, exist_ok=True)
report = ep.report(results.drop(columns="arm"), visits, path=folder / "nct03917797_report.html")
print(f"\nreport: {report} (definitions, every summary table, figures, not-evaluable listing)")

section("The same trial from CDISC datasets (bundled ADaM and SDTM, SI units)")
params = ep.cdisc.example_folder() / "params.csv"
for standard in ("adam", "sdtm"):
    data = ep.cdisc.read_folder(ep.cdisc.example_folder(standard), params=params)
    again = ep.score(data, TRIAL)
    same = (again.drop(columns="value").equals(results.drop(columns=["value", "arm"]))
            and again.value.isna().equals(results.value.isna())
            and (again.value - results.value).abs().max() < 1e-9)
    converted = data.report[data.report.action == "converted"]
    read = data.report.records[data.report.action == "mapped"].sum()
    print(f"{standard}: {len(data.subjects)} subjects, {read} records read, units converted: "
          f"{', '.join(converted.detail.unique())}; results "
          f"{'identical to' if same else 'DIFFERENT from'} the visit table's")
