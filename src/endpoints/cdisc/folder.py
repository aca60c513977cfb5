"""A folder of CDISC datasets (``.xpt``, ``.sas7bdat``, ``.csv``, ``.parquet``) read by
the reader its files call for: ADaM when it holds ``adsl``, SDTM when it holds ``dm``."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..io import READABLE, read_table
from .readers import read_adam, read_sdtm
from .trial_data import TrialData

#: ADaM datasets that are results, not inputs
ADAM_RESULTS = ("adrs", "adtte")


def read_folder(folder: str | Path, *, params=None, duplicates: str = "error") -> TrialData:
    """Read every dataset of a folder: ADaM (``adsl`` with BDS datasets, ``adcm``,
    ``adae``) or SDTM (``dm`` with findings domains, ``cm``, ``ae``, ``ex``).

    Datasets are named by their file names (``adlb.xpt`` is ADLB). ADaM datasets
    without ``PARAMCD`` other than ADCM / ADAE, result datasets (ADRS, ADTTE) and
    supplemental qualifiers (``supp--``) are not read; the report lists them.

    Raises
    ------
    InputError
        When the folder has neither ``adsl`` nor ``dm``, or a dataset is read twice
        (``lb.xpt`` and ``lb.csv``), and for every problem of the datasets.

    Examples
    --------
    >>> import endpoints as ep, tempfile, pathlib
    >>> from endpoints.cdisc.writers import as_sdtm, sponsor_params
    >>> visits = ep.simulate("NCT03917797", n_per_arm=2, seed=1)
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for name, frame in as_sdtm(visits).items():
    ...     frame.to_csv(folder / f"{name.lower()}.csv", index=False)
    >>> data = read_folder(folder, params=sponsor_params(visits))
    >>> len(data.subjects), len(data.visits) == len(visits)
    (4, True)
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(str(folder), "not a folder of CDISC datasets")
    files: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in READABLE or path.name.startswith("."):
            continue
        stem = path.stem.lower()
        if stem in files:
            raise InputError(str(path), f"dataset {stem.upper()} is given twice "
                                        f"({files[stem].name} and {path.name})")
        files[stem] = path
    skipped = [name for name in files if name.startswith("supp") or name in ADAM_RESULTS]
    for name in skipped:
        files.pop(name)
    if "adsl" in files:
        bds = {}
        for name, path in files.items():
            if name in ("adsl", "adcm", "adae") or not name.startswith("ad"):
                continue
            frame = read_table(path)
            if "PARAMCD" in frame.columns:
                bds[name.upper()] = frame
            else:
                skipped.append(name)
        data = read_adam(files["adsl"], bds, medications=files.get("adcm"),
                         adverse_events=files.get("adae"), params=params,
                         duplicates=duplicates)
    elif "dm" in files:
        domains = {name: path for name, path in files.items()
                   if len(name) == 2 and name.isalpha()}
        skipped += [name for name in files if name not in domains]
        data = read_sdtm(**{name: path for name, path in domains.items()}, params=params,
                         duplicates=duplicates)
    else:
        raise InputError(str(folder), "no ADSL or DM dataset: a folder of ADaM datasets has "
                                      "adsl (and adlb, adqs...), one of SDTM datasets has dm "
                                      "(and lb, qs, vs...)")
    if skipped:
        import pandas as pd

        lines = pd.DataFrame({"dataset": [n.upper() for n in skipped], "parameter": None,
                              "column": None, "action": "left out", "records": 0,
                              "detail": "not an input dataset of this reader"})
        report = pd.concat([data.report, lines.astype(data.report.dtypes.to_dict())],
                           ignore_index=True)
        data = TrialData(data.visits, data.medications, data.adverse_events, report,
                         data.subjects, data.demographics)
    return data
