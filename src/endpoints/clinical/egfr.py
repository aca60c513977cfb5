"""Estimated glomerular filtration rate (eGFR) from serum creatinine.

Renal endpoints of lupus-nephritis trials (complete / partial renal response, renal
flare, sustained eGFR decline) are defined on the estimated GFR rather than on
measured GFR.  This module implements the creatinine-based estimating equations in
common use, all vectorised over the rows of a visit table:

* :func:`compute_egfr_ckd_epi_2021` -- race-free CKD-EPI 2021 (Inker et al., 2021),
  the current KDIGO / NKF-ASN recommendation for adults;
* :func:`compute_egfr_ckd_epi_2009` -- CKD-EPI 2009 (Levey et al., 2009), still the
  protocol equation of many completed trials;
* :func:`compute_egfr_mdrd` -- IDMS-traceable 4-variable MDRD (Levey et al., 2006);
* :func:`compute_egfr_schwartz` -- bedside Schwartz (Schwartz et al., 2009) for
  children and adolescents.

Conventions shared by all functions:

* units: serum creatinine in mg/dL (IDMS-traceable), age in years, height in cm; the
  result is in mL/min/1.73 m²;
* sex is ``"F"`` or ``"M"`` (lower case accepted); any other value gives ``<NA>`` for
  that row -- it is not an error, validation of the source data happens elsewhere;
* inputs may be pandas Series, numpy arrays, lists or scalars; they are combined
  *positionally* with numpy broadcasting rules (length 1 or a common length ``n``);
  the result is a pandas Series with the nullable ``"Float64"`` dtype, carrying the
  index of the first Series argument whose length is the result length (otherwise a
  default ``RangeIndex``);
* a row is ``<NA>`` when any input it needs is missing (``NaN``, ``None``,
  ``pd.NA``) or not finite, when creatinine is ``<= 0``, and -- where the equation
  divides by or takes a power of it -- when age (MDRD) or height (Schwartz) is
  ``<= 0``;
* no rounding is applied; round for display or for protocol-defined thresholds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.api.types import is_numeric_dtype

from ..errors import InputError

__all__ = [
    "compute_egfr_ckd_epi_2009",
    "compute_egfr_ckd_epi_2021",
    "compute_egfr_mdrd",
    "compute_egfr_schwartz",
]

_UNUSED: Any = object()  # sentinel: the equation takes no such argument


def _prepare(
    *numeric: npt.ArrayLike,
    n_positive: int = 1,
    sex: Any = _UNUSED,
    black: Any = None,
) -> tuple[pd.Index, list[np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """Coerce and broadcast the inputs of an eGFR equation.

    Parameters
    ----------
    *numeric : array-like
        Numeric inputs (creatinine first).  The first ``n_positive`` of them must be
        strictly positive; rows where they are not are flagged missing.
    n_positive : int
        How many leading numeric inputs must be ``> 0``.
    sex : array-like, optional
        ``"F"`` / ``"M"`` (either case); omitted when the equation does not use sex.
    black : array-like of bool, optional
        ``None`` means "not black" for every row.

    Returns
    -------
    index : pandas.Index
        Index for the result.
    floats : list of numpy.ndarray
        The numeric inputs as float64, with missing rows replaced by 1.0 (a value that
        is safe in every equation, so the arithmetic raises no warnings).
    female, is_black, missing : numpy.ndarray of bool
        Row flags; ``missing`` marks rows whose result must be ``<NA>``.
    """
    raw = list(numeric)
    if sex is not _UNUSED:
        raw.append(sex)
    if black is not None:
        raw.append(black)

    columns = []
    for value in raw:
        column = value.array if isinstance(value, pd.Series) else np.asarray(value)
        if column.ndim == 0:
            column = column.reshape(1)
        if column.ndim != 1:
            raise InputError("(eGFR inputs)", f"inputs must be scalars or one-dimensional, got "
                                              f"shape {column.shape}")
        columns.append(column)

    n = max(len(column) for column in columns)
    if any(len(column) not in (1, n) for column in columns):
        lengths = sorted({len(column) for column in columns})
        raise InputError("(eGFR inputs)", f"inputs of incompatible lengths {lengths} cannot "
                                          "be broadcast")
    columns = [
        column if len(column) == n else column.take(np.zeros(n, dtype=np.intp))
        for column in columns
    ]
    index = next(
        (value.index for value in raw if isinstance(value, pd.Series) and len(value) == n),
        pd.RangeIndex(n),
    )

    missing = np.zeros(n, dtype=bool)
    floats = []
    for position, column in enumerate(columns[: len(numeric)]):
        series = pd.Series(column, copy=False)
        try:
            if not is_numeric_dtype(series.dtype):
                series = pd.to_numeric(series)
            values = series.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise InputError("(eGFR inputs)", f"input {position + 1} is not numeric: "
                                              f"{exc}") from None
        bad = ~np.isfinite(values)
        if position < n_positive:
            bad |= ~(values > 0)
        missing |= bad
        floats.append(np.where(bad, 1.0, values))

    female = np.zeros(n, dtype=bool)
    if sex is not _UNUSED:
        sex_values = pd.Series(columns[len(numeric)], copy=False)
        female = sex_values.isin(["F", "f"]).to_numpy(dtype=bool)
        male = sex_values.isin(["M", "m"]).to_numpy(dtype=bool)
        missing |= ~(female | male)

    is_black = np.zeros(n, dtype=bool)
    if black is not None:
        try:
            flags = pd.Series(columns[-1], copy=False).astype("boolean")
        except (TypeError, ValueError) as exc:
            raise InputError("(eGFR inputs)", f"black must be booleans: {exc}") from None
        is_black = flags.to_numpy(dtype=bool, na_value=False)
        missing |= flags.isna().to_numpy(dtype=bool)

    return index, floats, female, is_black, missing


def _result(values: np.ndarray, missing: np.ndarray, index: pd.Index) -> pd.Series:
    """Wrap computed values as a ``Float64`` Series, masking ``missing`` rows."""
    mask = missing | ~np.isfinite(values)
    array = pd.arrays.FloatingArray(np.where(mask, 0.0, values), mask)
    return pd.Series(array, index=index)


def compute_egfr_ckd_epi_2021(
    creatinine: npt.ArrayLike,
    age: npt.ArrayLike,
    sex: npt.ArrayLike,
) -> pd.Series:
    """Estimate GFR with the race-free CKD-EPI 2021 creatinine equation.

    ``eGFR = 142 * min(Scr/k, 1)**a * max(Scr/k, 1)**-1.200 * 0.9938**age
    * 1.012 [if female]``, with ``k = 0.7`` (female) / ``0.9`` (male) and
    ``a = -0.241`` (female) / ``-0.302`` (male).

    Parameters
    ----------
    creatinine : array-like of float
        Serum creatinine in mg/dL (IDMS-traceable).  Values ``<= 0`` give ``<NA>``.
    age : array-like of float
        Age in years.
    sex : array-like of str
        ``"F"`` or ``"M"`` (lower case accepted); any other value gives ``<NA>``.

    Returns
    -------
    pandas.Series
        eGFR in mL/min/1.73 m², dtype ``"Float64"``, with the index
        of the first Series argument; ``<NA>`` where an input is missing or invalid.

    References
    ----------
    Inker LA, Eneanya ND, Coresh J, et al.  New creatinine- and cystatin C-based
    equations to estimate GFR without race.  N Engl J Med. 2021;385(19):1737-1749.
    doi:10.1056/NEJMoa2102953

    Examples
    --------
    >>> import pandas as pd
    >>> compute_egfr_ckd_epi_2021(pd.Series([1.2]), pd.Series([55]), pd.Series(["M"])).round(1)
    0    71.4
    dtype: Float64
    >>> compute_egfr_ckd_epi_2021([0.6, 0.9, 1.0], 40, ["f", "F", "X"]).round(1)
    0    116.3
    1     82.9
    2     <NA>
    dtype: Float64
    """
    index, (scr, age_years), female, _, missing = _prepare(creatinine, age, sex=sex)
    ratio = scr / np.where(female, 0.7, 0.9)
    alpha = np.where(female, -0.241, -0.302)
    egfr = (
        142.0
        * np.minimum(ratio, 1.0) ** alpha
        * np.maximum(ratio, 1.0) ** -1.200
        * 0.9938**age_years
        * np.where(female, 1.012, 1.0)
    )
    return _result(egfr, missing, index)


def compute_egfr_ckd_epi_2009(
    creatinine: npt.ArrayLike,
    age: npt.ArrayLike,
    sex: npt.ArrayLike,
    black: npt.ArrayLike | None = None,
) -> pd.Series:
    """Estimate GFR with the CKD-EPI 2009 creatinine equation.

    ``eGFR = 141 * min(Scr/k, 1)**a * max(Scr/k, 1)**-1.209 * 0.993**age
    * 1.018 [if female] * 1.159 [if black]``, with ``k = 0.7`` (female) / ``0.9``
    (male) and ``a = -0.329`` (female) / ``-0.411`` (male).

    Parameters
    ----------
    creatinine : array-like of float
        Serum creatinine in mg/dL (IDMS-traceable).  Values ``<= 0`` give ``<NA>``.
    age : array-like of float
        Age in years.
    sex : array-like of str
        ``"F"`` or ``"M"`` (lower case accepted); any other value gives ``<NA>``.
    black : array-like of bool, optional
        Whether the race coefficient applies.  ``None`` (default) means not black
        for every row; a missing value in the array gives ``<NA>`` for that row.

    Returns
    -------
    pandas.Series
        eGFR in mL/min/1.73 m², dtype ``"Float64"``, with the index
        of the first Series argument; ``<NA>`` where an input is missing or invalid.

    References
    ----------
    Levey AS, Stevens LA, Schmid CH, et al.  A new equation to estimate glomerular
    filtration rate.  Ann Intern Med. 2009;150(9):604-612.
    doi:10.7326/0003-4819-150-9-200905050-00006

    Examples
    --------
    >>> import pandas as pd
    >>> compute_egfr_ckd_epi_2009(pd.Series([1.2]), pd.Series([55]), pd.Series(["M"])).round(1)
    0    67.7
    dtype: Float64
    >>> compute_egfr_ckd_epi_2009([1.2, 1.2], 55, "M", black=[False, True]).round(1)
    0    67.7
    1    78.4
    dtype: Float64
    """
    index, (scr, age_years), female, is_black, missing = _prepare(
        creatinine, age, sex=sex, black=black
    )
    ratio = scr / np.where(female, 0.7, 0.9)
    alpha = np.where(female, -0.329, -0.411)
    egfr = (
        141.0
        * np.minimum(ratio, 1.0) ** alpha
        * np.maximum(ratio, 1.0) ** -1.209
        * 0.993**age_years
        * np.where(female, 1.018, 1.0)
        * np.where(is_black, 1.159, 1.0)
    )
    return _result(egfr, missing, index)


def compute_egfr_mdrd(
    creatinine: npt.ArrayLike,
    age: npt.ArrayLike,
    sex: npt.ArrayLike,
    black: npt.ArrayLike | None = None,
) -> pd.Series:
    """Estimate GFR with the IDMS-traceable 4-variable MDRD study equation.

    ``eGFR = 175 * Scr**-1.154 * age**-0.203 * 0.742 [if female] * 1.212 [if black]``.

    Parameters
    ----------
    creatinine : array-like of float
        Serum creatinine in mg/dL (IDMS-traceable).  Values ``<= 0`` give ``<NA>``.
    age : array-like of float
        Age in years.  Values ``<= 0`` give ``<NA>``.
    sex : array-like of str
        ``"F"`` or ``"M"`` (lower case accepted); any other value gives ``<NA>``.
    black : array-like of bool, optional
        Whether the race coefficient applies.  ``None`` (default) means not black
        for every row; a missing value in the array gives ``<NA>`` for that row.

    Returns
    -------
    pandas.Series
        eGFR in mL/min/1.73 m², dtype ``"Float64"``, with the index
        of the first Series argument; ``<NA>`` where an input is missing or invalid.

    References
    ----------
    Levey AS, Coresh J, Greene T, et al.  Using standardized serum creatinine values
    in the Modification of Diet in Renal Disease study equation for estimating
    glomerular filtration rate.  Ann Intern Med. 2006;145(4):247-254.
    doi:10.7326/0003-4819-145-4-200608150-00004

    Examples
    --------
    >>> import pandas as pd
    >>> compute_egfr_mdrd(pd.Series([1.0]), pd.Series([50]), pd.Series(["F"])).round(1)
    0    58.7
    dtype: Float64
    """
    index, (scr, age_years), female, is_black, missing = _prepare(
        creatinine, age, n_positive=2, sex=sex, black=black
    )
    egfr = (
        175.0
        * scr**-1.154
        * age_years**-0.203
        * np.where(female, 0.742, 1.0)
        * np.where(is_black, 1.212, 1.0)
    )
    return _result(egfr, missing, index)


def compute_egfr_schwartz(creatinine: npt.ArrayLike, height: npt.ArrayLike) -> pd.Series:
    """Estimate GFR in children with the bedside Schwartz (2009) equation.

    ``eGFR = 0.413 * height / Scr``.

    Parameters
    ----------
    creatinine : array-like of float
        Serum creatinine in mg/dL (enzymatic, IDMS-traceable).  Values ``<= 0`` give
        ``<NA>``.
    height : array-like of float
        Height in cm.  Values ``<= 0`` give ``<NA>``.

    Returns
    -------
    pandas.Series
        eGFR in mL/min/1.73 m², dtype ``"Float64"``, with the index
        of the first Series argument; ``<NA>`` where an input is missing or invalid.

    References
    ----------
    Schwartz GJ, Muñoz A, Schneider MF, et al.  New equations to estimate GFR in
    children with CKD.  J Am Soc Nephrol. 2009;20(3):629-637.
    doi:10.1681/ASN.2008030287

    Examples
    --------
    >>> import pandas as pd
    >>> compute_egfr_schwartz(pd.Series([0.7, None]), pd.Series([140.0, 120.0])).round(1)
    0    82.6
    1    <NA>
    dtype: Float64
    """
    index, (scr, height_cm), _, _, missing = _prepare(creatinine, height, n_positive=2)
    return _result(0.413 * height_cm / scr, missing, index)
