"""Write the bundled example data for NCT03917797 (MSC-ROLE: umbilical-cord MSC vs
placebo in renal SLE, visits to month 12), drawn with ``ep.simulate`` (20 subjects per
arm, seed 2019):

- ``nct03917797_visits.csv``: the canonical visit table;
- in the package (``src/endpoints/examples/cdisc``, found with
  ``endpoints.cdisc.example_folder``):
  ``adam/*.xpt``, the same visits as ADaM datasets (ADSL, ADLB, ADVS, ADQS and a
  sponsor-defined ADTRT of treatments at visits), SAS transport version 5;
  ``sdtm/*.xpt``, the same visits as SDTM domains (DM, LB, VS, QS and a sponsor-defined
  findings domain XT); ``params.csv``, the sponsor-defined parameter codes (SLEDAI,
  BILAG domains, PGA, questionnaires, treatments) -> canonical columns, for ``params=``.

Laboratory values are written in SI units (creatinine umol/L, albumin g/L, UPCR mg/mmol)
as trials hold them. Run from the repository root: ``python examples/make_example_data.py``.
"""

from pathlib import Path

import pandas as pd

import endpoints as ep
from endpoints.cdisc import example_folder
from endpoints.cdisc.writers import as_adam, as_sdtm, sponsor_params

HERE = Path(__file__).parent
CDISC = example_folder()
SI = {"creatinine": "umol/L", "serum_albumin": "g/L", "upcr": "mg/mmol"}

visits = ep.simulate("NCT03917797", n_per_arm=20, seed=2019)
path = HERE / "nct03917797_visits.csv"
visits.to_csv(path, index=False)
print(f"wrote {path} ({visits.subject_id.nunique()} subjects, {len(visits)} visits)")

for standard, write in (("adam", as_adam), ("sdtm", as_sdtm)):
    folder = CDISC / standard
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in write(visits, study_id="NCT03917797", units=SI).items():
        ep.write_xpt(frame, folder / f"{name.lower()}.xpt", name=name)
    print(f"wrote {folder} ({', '.join(sorted(p.name for p in folder.glob('*.xpt')))})")
params = pd.DataFrame(sorted(sponsor_params(visits).items()), columns=["code", "column"])
params.to_csv(CDISC / "params.csv", index=False)
print(f"wrote {CDISC / 'params.csv'} ({len(params)} sponsor codes)")
