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
    """Codes (-1 where missing) and distinct values of a column, in order of appearance.

    A column stored by Arrow (pandas' default for text) is encoded by Arrow itself,
    several times faster than pandas' general path on millions of rows.

    Examples
    --------
    >>> codes, uniques = _factorize(pd.Series(["b", "a", None, "b"], dtype="string"))
    >>> codes.tolist(), uniques.tolist()
    ([0, 1, -1, 0], ['b', 'a'])
    """
    if getattr(series.dtype, "storage", None) == "pyarrow":
        import pyarrow as pa  # installed: the column is stored by it

        array = pa.array(series.array)
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        fixed = _fixed_width_keys(array)
        if fixed is not None:  # equal strings <=> equal integers: hashed as integers
            keys, size = fixed
            codes, uniques = pd.factorize(keys)
            raw = uniques.astype(">u8").view(np.uint8).reshape(-1, 8)[:, :size].copy()
            raw = raw.view(f"S{size}")
            return codes, np.char.decode(raw.ravel(), "utf-8").astype(object)
        encoded = array.dictionary_encode()
        codes = encoded.indices.fill_null(-1).to_numpy()
        return codes, encoded.dictionary.to_numpy(zero_copy_only=False)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes, np.asarray(uniques, dtype=object)


def _fixed_width_keys(array) -> tuple[np.ndarray, int] | None:
    """Each string of an Arrow string array as one integer (its UTF-8 bytes), and their
    length, when every string has the same length of 1 to 8 bytes and none is missing
    or holds a NUL byte (subject IDs such as ``"S0001234"``); else None.

    Factorizing those integers is several times faster than hashing the strings, and
    two strings are equal exactly when their integers are.

    Examples
    --------
    >>> import pyarrow as pa
    >>> keys, size = _fixed_width_keys(pa.array(["ab", "ba", "ab"]))
    >>> keys.tolist() == [int.from_bytes(b + bytes(6), "big") for b in (b"ab", b"ba", b"ab")], size
    (True, 2)
    >>> _fixed_width_keys(pa.array(["ab", "abc"])) is None
    True
    """
    import pyarrow as pa

    if not len(array) or array.null_count or not (
            pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return None
    width = np.int64 if pa.types.is_large_string(array.type) else np.int32
    offsets = np.frombuffer(array.buffers()[1], dtype=width)[
        array.offset:array.offset + len(array) + 1]
    size = (int(offsets[-1]) - int(offsets[0])) // len(array)
    if not 1 <= size <= 8 or not (np.diff(offsets) == size).all():
        return None
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    if not data.all():  # a NUL byte: "a" and "a\0" would be one integer
        return None
    padded = np.zeros((len(array), 8), dtype=np.uint8)
    padded[:, :size] = data.reshape(len(array), size)
    # read big-endian: the bytes that vary (the last ones) become the low bits, which
    # the hash table of pd.factorize needs to spread the keys
    return padded.view(">u8").ravel().astype(np.uint64), size


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
