"""SLEDAI-2K: the SLE Disease Activity Index 2000 total from its 24 descriptors.

The SLEDAI-2K (Gladman, Ibañez and Urowitz, 2002) scores 24 descriptors of lupus
activity, each present or absent at the visit (or in the 10 days before it), with
weights 8, 4, 2 or 1; the total is the sum of the weights of the descriptors present,
0-105. This module computes it, vectorised over the rows of a table whose descriptors
are the canonical boolean columns of :data:`SLEDAI_2K_ITEMS` (SPEC section 8):

* :func:`compute_sledai_2k` -- the total;
* :func:`compute_clinical_sledai` -- the total without the two serological descriptors
  (low complement, increased DNA binding): the "clinical SLEDAI" of the 2021 DORIS
  definition of remission (van Vollenhoven et al., 2021: "clinical SLEDAI = 0").

Conventions:

* a descriptor is a boolean: ``True`` / ``False``, the nullable ``boolean`` dtype, 1 / 0
  (integers or floats) or the text forms of :data:`endpoints.inputs.text.TRUTH`
  (``"Y"`` / ``"N"``, ``"yes"`` / ``"no"``, ``"true"`` / ``"false"``, ``"1"`` / ``"0"``,
  any case, surrounding blanks ignored); missing values (``None``, ``NaN``, ``pd.NA``,
  blank text) are missing;
* the result is a pandas Series of dtype ``"Int64"`` (the total is a whole number of
  points, like :func:`endpoints.compute_ctcae_grade`'s grades) with the frame's index;
  a row is ``<NA>`` when any descriptor it needs is missing -- a partial sum would look
  like a real, lower score;
* a missing column, or a value that is not a boolean (``2``, ``0.5``, ``"maybe"``), is an
  :class:`~endpoints.errors.InputError` listing every problem found.

The ``variant`` argument names the instrument the descriptors were recorded with:
``"2k"`` (SLEDAI-2K) or ``"selena"`` (SELENA-SLEDAI, Petri et al., 2005). Both have the
same 24 descriptors with the same weights, so **the arithmetic is the same**: the
instruments differ in how some descriptors are *recorded* (SLEDAI-2K counts persistent
proteinuria > 0.5 g/24 h, rash, alopecia and mucosal ulcers; the original SLEDAI counts
them only when new or recurrent, and the SELENA-SLEDAI form found words proteinuria "new
onset or recent increase of more than 0.5 g/24 hours"), which is decided before the
boolean reaches this table. The variant is checked, never used to change a sum.
``endpoints/data/sledai_items.csv`` quotes the definitions and the differences found,
with their sources and what could not be confirmed.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from importlib import resources

import numpy as np
import pandas as pd

from ..errors import InputError
from ..inputs.problems import Problems
from ..inputs.text import TRUTH, encode, text_form

__all__ = [
    "CLINICAL_SLEDAI_ITEMS",
    "SEROLOGY_ITEMS",
    "SLEDAI_2K_ITEMS",
    "compute_clinical_sledai",
    "compute_sledai_2k",
    "sledai_2k_descriptors",
    "total_points",
]

#: the 24 SLEDAI-2K descriptors, canonical column -> weight, in the instrument's order
#: (Gladman 2002; SPEC section 8)
SLEDAI_2K_ITEMS: dict[str, int] = {
    "sledai_seizure": 8,
    "sledai_psychosis": 8,
    "sledai_organic_brain_syndrome": 8,
    "sledai_visual_disturbance": 8,
    "sledai_cranial_nerve": 8,
    "sledai_lupus_headache": 8,
    "sledai_cva": 8,
    "sledai_vasculitis": 8,
    "sledai_arthritis": 4,
    "sledai_myositis": 4,
    "sledai_urinary_casts": 4,
    "sledai_hematuria": 4,
    "sledai_proteinuria": 4,
    "sledai_pyuria": 4,
    "sledai_rash": 2,
    "sledai_alopecia": 2,
    "sledai_mucosal_ulcers": 2,
    "sledai_pleurisy": 2,
    "sledai_pericarditis": 2,
    "sledai_low_complement": 2,
    "sledai_increased_dna_binding": 2,
    "sledai_fever": 1,
    "sledai_thrombocytopenia": 1,
    "sledai_leukopenia": 1,
}
#: the serological descriptors, left out of the clinical SLEDAI
SEROLOGY_ITEMS: tuple[str, ...] = ("sledai_low_complement", "sledai_increased_dna_binding")
#: the 22 clinical descriptors, column -> weight (total 0-101)
CLINICAL_SLEDAI_ITEMS: dict[str, int] = {
    name: weight for name, weight in SLEDAI_2K_ITEMS.items() if name not in SEROLOGY_ITEMS
}
#: the instruments a table's descriptors may have been recorded with (same arithmetic)
VARIANTS: tuple[str, ...] = ("2k", "selena")

# private copies: editing the exported dicts changes no score
_ITEMS: tuple[tuple[str, int], ...] = tuple(SLEDAI_2K_ITEMS.items())
_WEIGHT: dict[str, int] = dict(_ITEMS)
_CLINICAL: tuple[str, ...] = tuple(n for n, _ in _ITEMS if n not in SEROLOGY_ITEMS)
_BOOLEAN = "expected a boolean (true/false, yes/no, 1/0)"
_FILE = "sledai_items.csv"


def compute_sledai_2k(frame: pd.DataFrame, *, variant: str = "2k") -> pd.Series:
    """The SLEDAI-2K total of each row: the sum of the weights of the descriptors present.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per assessment, with the 24 boolean columns of :data:`SLEDAI_2K_ITEMS`
        (other columns are ignored).
    variant : {"2k", "selena"}
        The instrument the descriptors were recorded with. Both sum the same weights over
        the same descriptors, so the totals are identical; the difference is in how a
        descriptor is recorded (see the module notes).

    Returns
    -------
    pandas.Series
        Points 0-105, dtype ``"Int64"``, named ``"sledai"``, with the frame's index;
        ``<NA>`` where any descriptor is missing.

    Raises
    ------
    InputError
        Listing every problem: missing descriptor columns (all of them), values that are
        not booleans (per column, with the first offending row), an unknown `variant`.

    References
    ----------
    Gladman DD, Ibañez D, Urowitz MB.  Systemic lupus erythematosus disease activity
    index 2000.  J Rheumatol. 2002;29(2):288-291.

    Examples
    --------
    >>> import pandas as pd
    >>> visit = dict.fromkeys(SLEDAI_2K_ITEMS, False)
    >>> frame = pd.DataFrame([
    ...     visit,
    ...     {**visit, "sledai_arthritis": True, "sledai_proteinuria": True,
    ...      "sledai_low_complement": "Y", "sledai_increased_dna_binding": 1},
    ...     {**visit, "sledai_seizure": None},
    ... ])
    >>> compute_sledai_2k(frame)
    0       0
    1      12
    2    <NA>
    Name: sledai, dtype: Int64
    """
    _variant(variant)
    flags = _flags(frame, tuple(name for name, _ in _ITEMS), "SLEDAI-2K")
    return _series(total_points(flags.T), frame.index, "sledai")


def compute_clinical_sledai(frame: pd.DataFrame, *, variant: str = "2k") -> pd.Series:
    """The clinical SLEDAI of each row: the SLEDAI-2K total without its two serological
    descriptors (low complement, increased DNA binding).

    Only the 22 clinical columns are read; the serological ones may be absent. The DORIS
    definition of remission asks for "clinical SLEDAI = 0", whatever the serology.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per assessment, with the 22 columns of :data:`CLINICAL_SLEDAI_ITEMS`.
    variant : {"2k", "selena"}
        As for :func:`compute_sledai_2k` (the same arithmetic either way).

    Returns
    -------
    pandas.Series
        Points 0-101, dtype ``"Int64"``, named ``"clinical_sledai"``; ``<NA>`` where any
        clinical descriptor is missing.

    References
    ----------
    van Vollenhoven RF, Bertsias G, Doria A, et al.  2021 DORIS definition of remission
    in SLE: final recommendations from an international task force.  Lupus Sci Med.
    2021;8(1):e000538.  doi:10.1136/lupus-2021-000538

    Examples
    --------
    >>> import pandas as pd
    >>> visit = dict.fromkeys(CLINICAL_SLEDAI_ITEMS, "N")
    >>> frame = pd.DataFrame([{**visit, "sledai_low_complement": "Y"},
    ...                       {**visit, "sledai_rash": "Y", "sledai_low_complement": "Y"}])
    >>> compute_clinical_sledai(frame).tolist()
    [0, 2]
    """
    _variant(variant)
    flags = _flags(frame, _CLINICAL, "the clinical SLEDAI")
    return _series(total_points(flags.T, _CLINICAL), frame.index, "clinical_sledai")


def total_points(items: Sequence[np.ndarray] | np.ndarray,
                 columns: Sequence[str] = tuple(SLEDAI_2K_ITEMS)) -> np.ndarray:
    """Sum of the weights of the descriptors present, per row, as float64 (NaN where any
    descriptor is missing): the arithmetic of every SLEDAI total here.

    Parameters
    ----------
    items : sequence of arrays
        One array per column of `columns`, in that order: 1 (present), 0 (absent) or NaN
        (missing), as the visit table stores flags.
    columns : sequence of str
        SLEDAI-2K descriptor columns (all 24 by default).

    Examples
    --------
    >>> total_points([np.array([1.0, 0.0, np.nan]), np.array([1.0, 1.0, 1.0])],
    ...              ["sledai_seizure", "sledai_fever"])
    array([ 9.,  1., nan])
    """
    weights = np.array([_WEIGHT[name] for name in columns], dtype=np.float64)
    matrix = np.asarray(items, dtype=np.float64)
    if matrix.ndim == 1:  # one value per descriptor: one row
        matrix = matrix[:, None]
    missing = np.isnan(matrix).any(axis=0)
    total = weights @ np.where(np.isnan(matrix), 0.0, matrix)
    return np.where(missing, np.nan, total)


@functools.cache
def _descriptors() -> pd.DataFrame:
    with resources.files("endpoints.data").joinpath(_FILE).open(encoding="utf-8") as f:
        table = pd.read_csv(f, dtype=str, keep_default_na=False)
    return table.astype({"weight": "int64"})


def sledai_2k_descriptors() -> pd.DataFrame:
    """The descriptors as published: ``endpoints/data/sledai_items.csv`` (column, weight,
    descriptor, SLEDAI-2K definition, where SELENA-SLEDAI differs, notes, sources).

    Examples
    --------
    >>> table = sledai_2k_descriptors()
    >>> table.loc[table.column == "sledai_proteinuria", ["weight", "definition"]].values
    array([[4, '>0.5 gram/24 hours.']], dtype=object)
    """
    return _descriptors().copy()


def _variant(variant) -> str:
    text = variant.strip().lower() if isinstance(variant, str) else None
    if text not in VARIANTS:
        raise InputError("variant=", f"unknown SLEDAI variant {variant!r}; known: "
                                     f"{', '.join(map(repr, VARIANTS))} (the same arithmetic: "
                                     "they differ in how descriptors are recorded)")
    return text


def _flags(frame, columns: tuple[str, ...], what: str) -> np.ndarray:
    """The descriptor columns as a (rows, columns) float64 matrix of 1 / 0 / NaN, after
    checking that they are all there and hold only booleans (one error lists all)."""
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"({what} descriptors)",
                         f"expected a pandas DataFrame, got {type(frame).__name__}")
    problems = Problems()
    present = set(frame.columns)
    missing = [name for name in columns if name not in present]
    if missing:
        problems.add(missing[0], f"descriptor column is missing ({what} needs all "
                                 f"{len(columns)}; {len(missing)} missing: "
                                 f"{', '.join(missing)})")
        for name in missing[1:]:
            problems.add(name, "descriptor column is missing")
    duplicated = set(frame.columns[frame.columns.duplicated()])
    where = _locator(frame)
    matrix = np.full((len(frame), len(columns)), np.nan)
    for j, name in enumerate(columns):
        if name in duplicated:
            problems.add(name, "column appears more than once")
        elif name in present:
            values, bad = _booleans(frame[name])
            matrix[:, j] = values
            if bad.any():
                first = int(np.flatnonzero(bad)[0])
                value = frame[name].iloc[first]
                value = value.item() if isinstance(value, np.generic) else value
                subject, day, at = where(first)
                problems.add(name, f"{_BOOLEAN}, got {value!r}{at}", subject=subject, day=day,
                             count=int(bad.sum()))
    problems.raise_if_any()
    return matrix


def _booleans(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """1 / 0 / NaN per row, and the rows whose value is not a boolean. Each distinct
    value is read once, through its text form (``1``, ``1.0`` and ``"1"`` are one)."""
    codes, labels, bad = encode(series)
    table = np.array([TRUTH.get(str(label).lower(), np.nan) for label in labels] + [np.nan])
    invalid = np.r_[np.isnan(table[:-1]), False][codes]  # code -1 (missing) is not invalid
    return table[codes], invalid | bad["infinite"] | bad["not a single value"]


def _locator(frame: pd.DataFrame):
    """Row position -> (subject, day, words) locating it: by ``subject_id`` and ``day``
    when the frame has them, else by its index label."""
    if {"subject_id", "day"} <= set(frame.columns):
        def where(i: int):
            subject = text_form(frame["subject_id"].iloc[i])
            day = pd.to_numeric(pd.Series([frame["day"].iloc[i]]), errors="coerce").iloc[0]
            whole = np.isfinite(day) and float(day).is_integer()
            return (subject if isinstance(subject, str) else None,
                    int(day) if whole else None, "")
        return where
    return lambda i: (None, None, f" (first at row {frame.index[i]!r})")


def _series(total: np.ndarray, index: pd.Index, name: str) -> pd.Series:
    missing = np.isnan(total)
    points = np.where(missing, 0, np.rint(np.nan_to_num(total))).astype(np.int64)
    return pd.Series(pd.arrays.IntegerArray(points, missing), index=index, name=name)
