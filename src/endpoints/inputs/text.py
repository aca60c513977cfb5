"""Text forms of values: one per subject ID, the same in every table and row order.

A subject ID is compared by its text form: a float that is a whole number is written as
an integer (``1.0`` -> ``"1"``, ``-0.0`` -> ``"0"``), so a column that pandas read as
float matches one read as integer or text; booleans are ``"True"`` / ``"False"`` (never
merged with 1 / 0); text is stripped of surrounding blanks (SAS pads character values).
Missing or blank IDs, infinite numbers and values that are not single values (lists,
dicts) are problems of the table. Coded text columns (flags, BILAG grades, sex) are read
through the same text forms, so ``1.0``, ``1`` and ``"1"`` are one value.
"""

from __future__ import annotations

import numbers
from decimal import Decimal

import numpy as np
import pandas as pd

from .sorting import dense_ranks

#: text forms (lower-cased) of a boolean value: Y/N flags, True/False, 1/0
TRUTH: dict[str, float] = {"true": 1.0, "t": 1.0, "yes": 1.0, "y": 1.0, "1": 1.0, "1.0": 1.0,
                           "false": 0.0, "f": 0.0, "no": 0.0, "n": 0.0, "0": 0.0, "0.0": 0.0}
#: the problems of `encode`, in words for a subject ID column
ID_PROBLEMS = {"missing": "missing subject ID", "infinite": "infinite subject ID",
               "not a single value": "subject ID is not a single value"}
#: markers of IDs that are problems rather than text
_UNHASHABLE = object()
_INFINITE = object()


def each(function, values) -> np.ndarray:
    """`function` of every value of an object array, as an object array (the loop runs in
    C; floating-point flags raised by comparisons with NaN inside it are not warnings).

    Examples
    --------
    >>> each(text_form, np.array([1.0, "a"], dtype=object)).tolist()
    ['1', 'a']
    """
    values = np.asarray(values, dtype=object)
    if not len(values):
        return np.empty(0, dtype=object)
    with np.errstate(all="ignore"):
        return np.frompyfunc(function, 1, 1)(values)


def text_form(value) -> object:
    """The text form of one value (``None`` if missing).

    Examples
    --------
    >>> [text_form(v) for v in (1, 1.0, -0.0, True, " S1 ", 2.5, float("nan"), "")]
    ['1', '1', '0', 'True', 'S1', '2.5', None, None]
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if value is _UNHASHABLE or value is _INFINITE:  # already a problem marker
        return value
    if isinstance(value, bool | np.bool_):
        return "True" if value else "False"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, float | np.floating | Decimal):
        if value != value:  # NaN
            return None
        if value in (float("inf"), float("-inf")):
            return _INFINITE
        return str(int(value)) if value == int(value) else repr(float(value))
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, str):
        return value.strip() or None
    try:
        hash(value)
    except TypeError:
        return _UNHASHABLE
    return str(value).strip() or None


def encode(column: pd.Series) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Codes of the rows' values into their distinct text forms, sorted.

    Returns
    -------
    codes : ndarray of int64
        Position of each row's text form in `labels`; ``-1`` where there is none.
    labels : ndarray of str (object)
        The distinct text forms, sorted.
    bad : dict of str to ndarray of bool
        Rows with a problem, by problem: ``"missing"``, ``"infinite"``, ``"not a single
        value"``.

    Examples
    --------
    >>> codes, labels, bad = encode(pd.Series([1.0, "1", -0.0, None]))
    >>> codes.tolist(), labels.tolist(), bad["missing"].tolist()
    ([1, 1, 0, -1], ['0', '1'], [False, False, False, True])
    """
    if isinstance(column.dtype, pd.CategoricalDtype):  # encode the few categories only
        return _encode_categorical(column)
    raw, uniques = _factorize(_plain(column))
    texts = _texts(uniques)
    kind = np.zeros(len(texts), dtype=np.int8)  # per distinct value: 0 valid, 1..3 problems
    kind[pd.isna(texts)] = 1
    kind[texts == _INFINITE] = 2
    kind[texts == _UNHASHABLE] = 3
    valid = kind == 0
    # numpy sorts fixed-width text in C: much faster than sorting Python strings
    labels, inverse = np.unique(texts[valid].astype(str), return_inverse=True)
    small = next(t for t in (np.int8, np.int16, np.int32, np.int64)
                 if len(labels) < np.iinfo(t).max)
    recode = np.full(len(texts) + 1, -1, dtype=small)  # a row without a value (-1): last
    recode[np.flatnonzero(valid)] = inverse.ravel()
    codes = recode[raw]
    if (kind <= 1).all():  # the common case: no row without a code but the missing ones
        missing = codes < 0
        bad = {"missing": missing, "infinite": np.zeros_like(missing),
               "not a single value": np.zeros_like(missing)}
    else:
        row_kind = np.r_[kind, 1][raw]
        bad = {"missing": row_kind == 1, "infinite": row_kind == 2,
               "not a single value": row_kind == 3}
    return codes.astype(np.int64, copy=False), labels.astype(object), bad


def _encode_categorical(column: pd.Series):
    """:func:`encode` of a categorical column through its categories: each category's
    text form is found once, and the rows take their category's."""
    categories = pd.Series(np.asarray(column.cat.categories, dtype=object), dtype=object)
    cat_codes, labels, cat_bad = encode(categories)
    row_cat = np.asarray(column.cat.codes, dtype=np.int64)
    present = row_cat >= 0
    codes = np.where(present, cat_codes[np.maximum(row_cat, 0)], -1) if len(cat_codes) else (
        np.full(len(row_cat), -1, dtype=np.int64))
    bad = {problem: np.where(present, flags[np.maximum(row_cat, 0)], problem == "missing")
           if len(flags) else ~present for problem, flags in cat_bad.items()}
    used = np.zeros(len(labels) + 1, dtype=bool)  # labels of categories no row has: dropped
    used[codes] = True
    keep = np.flatnonzero(used[:-1])
    if len(keep) < len(labels):
        recode = np.full(len(labels) + 1, -1, dtype=np.int64)
        recode[keep] = np.arange(len(keep))
        codes, labels = recode[codes], labels[keep]
    return codes.astype(np.int64, copy=False), labels, bad


def text_forms(column: pd.Series) -> np.ndarray:
    """The text form of every row (None where missing, infinite or not a single value),
    each distinct value converted once.

    Examples
    --------
    >>> text_forms(pd.Series([1.0, " a ", None, 1])).tolist()
    ['1', 'a', None, '1']
    """
    codes, labels, _ = encode(column)
    return np.append(labels, None)[codes]


def _plain(column: pd.Series) -> pd.Series:
    """The column with object values made safe to factorize: values that compare equal
    but have different text forms (``True`` and ``1``), or cannot be hashed, are turned
    into their text forms first. Text, numbers and booleans of one dtype are safe."""
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _plain(pd.Series(np.asarray(column, dtype=object), index=column.index))
    if isinstance(dtype, pd.StringDtype) or pd.api.types.is_bool_dtype(dtype) or (
            pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype)):
        return column
    if dtype != np.dtype(object):  # dates, periods, intervals...: their text forms, value by value
        return _plain(column.astype(object))
    inferred = pd.api.types.infer_dtype(column, skipna=True)
    if inferred in ("string", "empty", "integer", "floating", "mixed-integer-float", "boolean"):
        return column
    texts = each(text_form, column.to_numpy(dtype=object))
    return pd.Series(texts, index=column.index, dtype=object)


def _factorize(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes (-1 where missing) and distinct values of a column (in no particular order).

    A column stored by Arrow (pandas' default for text) is encoded by Arrow itself, or,
    when its texts have one width in bytes (subject IDs, grades), from its bytes
    (:func:`_fixed_width_codes`): several times faster than pandas' general path on
    millions of rows.

    Examples
    --------
    >>> codes, uniques = _factorize(pd.Series(["b", "a", None, "bc"], dtype="string"))
    >>> codes.tolist(), uniques.tolist()
    ([0, 1, -1, 2], ['b', 'a', 'bc'])
    """
    if getattr(series.dtype, "storage", None) == "pyarrow":
        import pyarrow as pa  # installed: the column is stored by it

        array = pa.array(series.array)
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        fixed = _fixed_width_codes(array)
        if fixed is not None:
            return fixed
        encoded = array.dictionary_encode()
        codes = encoded.indices.fill_null(-1).to_numpy()
        return codes, encoded.dictionary.to_numpy(zero_copy_only=False)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes, np.asarray(uniques, dtype=object)


#: the widest texts (bytes) :func:`_fixed_width_codes` reads byte by byte
MAX_FIXED_WIDTH = 32


def _fixed_width_codes(array) -> tuple[np.ndarray, np.ndarray] | None:
    """Codes (-1 where missing) and distinct texts of an Arrow string array whose texts
    all have the same width in bytes, read from the bytes themselves; None for other
    arrays (several widths, wider than :data:`MAX_FIXED_WIDTH`, a NUL byte, too many
    distinct bytes for a 62-bit number).

    Each byte position takes the few values it has (an ID such as ``"S0001234"`` has
    one at its first position, ten at the others), so a text is a number in a mixed
    radix of those counts, ordered as the texts' bytes are, and the numbers are ranked
    (:func:`~endpoints.inputs.sorting.dense_ranks`): no hashing of strings.

    Examples
    --------
    >>> import pyarrow as pa
    >>> codes, uniques = _fixed_width_codes(pa.array(["ba", "ab", None, "ba", "é"]))
    >>> codes.tolist(), uniques.tolist()
    ([1, 0, -1, 1, 2], ['ab', 'ba', 'é'])
    >>> _fixed_width_codes(pa.array(["ab", "abc"])) is None
    True
    """
    import pyarrow as pa

    n = len(array)
    if not n or array.null_count == n or not (
            pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return None
    width_type = np.int64 if pa.types.is_large_string(array.type) else np.int32
    offsets = np.frombuffer(array.buffers()[1], dtype=width_type)[
        array.offset:array.offset + n + 1].astype(np.int64, copy=False)
    lengths = np.diff(offsets)
    nulls = None if not array.null_count else ~array.is_valid().to_numpy(zero_copy_only=False)
    first = 0 if nulls is None else int(np.argmin(nulls))  # a row with a text
    width = int(lengths[first])
    wrong = lengths != width
    if nulls is not None:
        wrong &= ~nulls
    if not 1 <= width <= MAX_FIXED_WIDTH or wrong.any():
        return None
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)
    if nulls is not None:  # a missing row may hold no bytes: it reads the first text's
        starts = np.where(nulls, offsets[first], offsets[:-1])
        chars = data[starts[:, None] + np.arange(width)]
    else:
        chars = data[offsets[0]:offsets[-1]].reshape(n, width)
    present = [np.bincount(chars[:, j], minlength=256) > 0 for j in range(width)]
    if any(seen[0] for seen in present):  # a NUL byte: decoded texts would lose it
        return None
    positions = [np.flatnonzero(seen) for seen in present]
    radix = 1
    for values in positions:
        radix *= len(values)
    if radix >= 2**62:
        return None
    small = np.int32 if radix < 2**31 else np.int64
    key, varying = np.zeros(n, dtype=small), 0
    for seen, values, j in zip(present, positions, range(width), strict=True):
        if len(values) > 1:  # the same byte at every row adds nothing to the number
            digit = (np.cumsum(seen) - 1).astype(small)[chars[:, j]]
            key = digit if not varying else key * len(values) + digit
            varying += 1
    if varying <= 1:  # each value of the one varying byte is present: the numbers are dense
        codes, distinct = key, np.arange(radix)
    else:
        distinct, codes = dense_ranks(key)
    if nulls is not None:
        codes[nulls] = -1
    digits = np.empty((len(distinct), width), dtype=np.uint8)
    rest = distinct.astype(np.int64)
    for j in reversed(range(width)):
        values = positions[j]
        digits[:, j] = values[rest % len(values)]
        rest //= len(values)
    texts = np.char.decode(digits.view(f"S{width}").ravel(), "utf-8").astype(object)
    return codes, texts


def _texts(uniques: np.ndarray) -> np.ndarray:
    """Text forms of distinct values (vectorised for numbers and text)."""
    if not len(uniques):
        return np.array([], dtype=object)
    kind = uniques.dtype.kind
    if kind in "iu":
        return uniques.astype(str).astype(object)
    if kind == "b":
        return np.where(uniques, "True", "False").astype(object)
    if kind == "f":
        values = uniques.astype(np.float64)
        whole = np.isfinite(values) & (values == np.floor(values)) & (np.abs(values) < 2**62)
        out = each(text_form, values.astype(object))
        out[whole] = values[whole].astype(np.int64).astype(str)
        return out
    values = uniques.astype(object)
    if pd.api.types.infer_dtype(values, skipna=False) == "string":  # strip; blank = missing
        return np.array([v.strip() or None for v in values.tolist()], dtype=object)
    return each(text_form, values)
