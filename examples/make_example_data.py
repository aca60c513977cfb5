"""Write examples/nct03580291_visits.csv: a small, deterministic synthetic visit table
for NCT03580291 (MSC vs mycophenolate in lupus nephritis, visits every 4 weeks to week 24).

Run from the repository root: ``python examples/make_example_data.py``.
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(20180801)
rows = []
for i in range(40):
    arm = "MSC" if i % 2 == 0 else "MMF"
    effect = 0.55 if arm == "MSC" else 0.45
    age, sex = int(rng.integers(18, 61)), rng.choice(["F", "F", "F", "M"])
    upcr0 = round(float(rng.uniform(1.2, 5.0)), 2)
    creat0 = round(float(rng.uniform(0.6, 1.6)), 2)
    last_week = 24 if rng.random() > 0.1 else int(rng.choice([8, 12, 16]))  # dropout
    for week in [-2, 0, 4, 8, 12, 16, 20, 24]:
        if week > last_week:
            break
        day = 7 * week + (int(rng.integers(-5, 6)) if week > 0 else 0)
        decay = np.exp(-effect * max(week, 0) / 8 * rng.uniform(0.5, 1.5))
        row = {
            "subject_id": f"NJ-{i + 1:03d}", "arm": arm, "day": day, "age": age, "sex": sex,
            "upcr": round(upcr0 * decay, 2),
            "proteinuria_24h": round(upcr0 * decay * rng.uniform(0.8, 1.2), 2),
            "serum_albumin": round(min(4.5, 2.6 + (1 - decay) * 1.5 + rng.normal(0, 0.1)), 1),
            "creatinine": round(creat0 * (1 + rng.normal(0, 0.08)), 2),
            "c3": round(60 + (1 - decay) * 40 + rng.normal(0, 5), 0),
            "c4": round(10 + (1 - decay) * 10 + rng.normal(0, 2), 0),
            "anti_dsdna": round(max(0.0, 200 * decay + rng.normal(0, 20)), 0),
            "sledai": int(max(0, round(14 * decay + rng.normal(0, 2)))),
            "pga": round(min(3.0, max(0.0, 2.0 * decay + rng.normal(0, 0.2))), 1),
        }
        for column in ["upcr", "creatinine", "serum_albumin", "c3"]:
            if week > 0 and rng.random() < 0.04:
                row[column] = None  # occasional missing lab
        rows.append(row)

path = Path(__file__).with_name("nct03580291_visits.csv")
pd.DataFrame(rows).to_csv(path, index=False)
print(f"wrote {path} ({len(rows)} visits)")
