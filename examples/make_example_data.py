"""Write examples/nct03917797_visits.csv: a small synthetic visit table for NCT03917797
(MSC-ROLE: umbilical-cord MSC vs placebo in renal SLE, visits to month 12), drawn with
``ep.simulate`` (20 subjects per arm, seed 2019).

Run from the repository root: ``python examples/make_example_data.py``.
"""

from pathlib import Path

import endpoints as ep

visits = ep.simulate("NCT03917797", n_per_arm=20, seed=2019)
path = Path(__file__).with_name("nct03917797_visits.csv")
visits.to_csv(path, index=False)
print(f"wrote {path} ({visits.subject_id.nunique()} subjects, {len(visits)} visits)")
