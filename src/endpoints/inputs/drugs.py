"""The drug dictionary: what a medication record is (SPEC section 2).

A record is classified as a corticosteroid (with its prednisone equivalence), an
immunosuppressant, rituximab, or another drug, from reference data kept in
``endpoints/data`` with their sources:

- ``atc_codes.csv``: WHO ATC codes and groups -> drug, class and the route they imply;
- ``drug_names.csv``: generic names, salts, brand names, spellings and abbreviations;
- ``routes.csv``: route terms (CDISC ROUTE codelist, abbreviations, formulation words);
- ``prednisone_equivalents.csv``: mg of each corticosteroid equal to 5 mg prednisone.

The ATC code decides when present; otherwise the name, matched after normalisation:
case, dose strengths, route and formulation words ("IV", "oral", "pulse", "tablet"),
salt and ester words ("sodium succinate") and spaces or hyphens inside a name do not
matter; a biosimilar suffix ("rituximab-abbs") names its reference product; a
truncation of at least seven letters that fits one drug only ("methylpred") is that
drug. The user's ``drug_classes`` mapping comes first.

Only systemic routes count: the route column, route words in the name and the ATC code
must agree, and a record with none of them is systemic.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

CLASSES = ("corticosteroid", "immunosuppressant", "rituximab", "other")
#: words that name a salt, an ester or a form of the same substance
_SALT_WORDS = frozenset("""
    sodium disodium potassium calcium magnesium succinate hemisuccinate phosphate
    metasulphobenzoate acetate diacetate acetonide hexacetonide dipropionate propionate
    valerate butyrate hydrochloride hcl sulfate sulphate mesylate tartrate citrate base
    anhydrous monohydrate mofetil acid
""".split())
#: words of dosing instructions written beside a drug name
_FILLER_WORDS = frozenset("""
    and with plus of for per the a an x mg g mcg ug ml iu unit units daily day days qd od
    bid tid qid qod prn once twice weekly monthly dose doses high low taper tapering
    therapy treatment total
""".split())
#: stems of glucocorticoid names: such a name that the dictionary lacks is an error
STEROID_LIKE = re.compile(
    r"(?:cort|methasone|metasone|predni|medrol|nisone|nisolone|cinolone|onide|betasol|fluocin"
    r"|casone)")
_DOSE = re.compile(r"\d+(?:[.,]\d+)?\s*(?:mg|mcg|µg|ug|g|ml|iu|units?|%)?(?:\s*/\s*[a-z0-9]+)?")
_ATC = re.compile(r"^[A-Z](?:\d\d(?:[A-Z](?:[A-Z](?:\d\d)?)?)?)?$")
_SUFFIX = re.compile(r"^([a-z]+)-[a-z]{4}$")  # FDA biosimilar suffix, e.g. rituximab-abbs
MIN_PREFIX = 7


@dataclass(frozen=True)
class Drug:
    """What a record is: the canonical drug (None if unknown) and its class, and for a
    corticosteroid the user gave a prednisone equivalence, that value (mg equal to 5 mg
    prednisone)."""

    drug: str | None
    klass: str
    equivalent: float | None = None


@dataclass(frozen=True)
class Record:
    """A classified record: drug, class, whether it counts as systemic, and the
    problem that stops it from being classified (None if there is none)."""

    drug: str | None
    klass: str | None
    systemic: bool
    problem: str | None = None


@dataclass(frozen=True)
class Dictionary:
    """The reference data, loaded once."""

    names: dict[str, Drug]
    atc: dict[str, tuple[Drug, str | None]]
    routes: dict[str, bool | None]
    equivalents: dict[str, float]
    systemic_forms: frozenset[str]
    route_names: dict[str, str | None]  # route term -> the route it names ("oral")


def _text(value) -> str:
    text = unicodedata.normalize("NFKC", str(value)).lower()
    text = _DOSE.sub(" ", text).replace(".", "")
    return re.sub(r"[^a-z0-9\-]+", " ", text).strip()


def normalise(name) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """(key, the name's words, the route words in it) of a drug name.

    Examples
    --------
    >>> normalise("IV Methylprednisolone Sodium Succinate 500 mg")
    ('methylprednisolone', ('methylprednisolone',), ('iv',))
    >>> normalise("Solu-Medrol")[0], normalise("methyl prednisolone")[0]
    ('solumedrol', 'methylprednisolone')
    """
    text = f" {_text(name)} "
    found = []
    for term in _route_terms():
        pattern = f" {term} "
        if pattern in text:
            found.append(term)
            text = text.replace(pattern, "  ")
    words = tuple(w for w in text.split() if w not in _SALT_WORDS and w not in _FILLER_WORDS
                  and not w.isdigit())
    return "".join(w.replace("-", "") for w in words), words, tuple(found)


@functools.cache
def _route_terms() -> tuple[str, ...]:
    """Route terms to look for in names, longest first (so "eye drops" before "drops")."""
    return tuple(sorted(dictionary().routes, key=lambda t: (-len(t), t)))


def _read(name: str) -> pd.DataFrame:
    with resources.files("endpoints.data").joinpath(name).open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype=str, keep_default_na=False)


@functools.cache
def dictionary() -> Dictionary:
    """The drug dictionary (read from ``endpoints/data`` once)."""
    names: dict[str, Drug] = {}
    for row in _read("drug_names.csv").itertuples():
        names[_key_only(row.name)] = Drug(row.drug.strip(), row._3.strip())
    atc = {}
    for row in _read("atc_codes.csv").itertuples():
        route = row.route.strip() or None
        atc[row.code.strip().upper()] = (Drug(row.drug.strip() or None, row._3.strip()), route)
    routes, route_names = {}, {}
    for row in _read("routes.csv").itertuples():
        flag = row.systemic.strip().lower()
        routes[_text(row.term)] = {"true": True, "false": False}.get(flag)
        route_names[_text(row.term)] = row.route.strip() or None
    equivalents = {row.drug: float(row.mg_equivalent_to_5mg_prednisone)
                   for row in _read("prednisone_equivalents.csv").itertuples()}
    systemic = frozenset(d.drug for code, (d, _) in atc.items()
                         if code.startswith("H02") and d.drug)
    return Dictionary(names, atc, routes, equivalents, systemic, route_names)


def _key_only(name: str) -> str:
    """The key of a dictionary name (no route words are looked for: the dictionary is
    being built)."""
    words = [w for w in _text(name).split() if w not in _SALT_WORDS and w not in _FILLER_WORDS
             and not w.isdigit()]
    return "".join(w.replace("-", "") for w in words)


def resolve_user(drug_classes: Mapping | None
                 ) -> tuple[dict[str, Drug], list[str], dict[str, float]]:
    """The user's mapping as normalised key -> Drug, the targets it cannot resolve, and
    the prednisone equivalences it gives.

    A target is a known drug name (any spelling of the dictionary), a class name
    (``"immunosuppressant"``, ``"rituximab"``, ``"other"``), or a number: the name is a
    systemic corticosteroid of which that many mg equal 5 mg prednisone (a source's
    other value, ``{"betamethasone": 0.6}``, or a corticosteroid the dictionary lacks).
    """
    out: dict[str, Drug] = {}
    unknown = []
    equivalents: dict[str, float] = {}
    for name, target in (drug_classes or {}).items():
        target_text = str(target).strip().lower()
        if isinstance(target, int | float) and not isinstance(target, bool):
            if not (np.isfinite(target) and target > 0):
                unknown.append(f"{name!r}: {target!r} (mg equal to 5 mg prednisone must be "
                               "a positive number)")
                continue
            key = normalise(name)[0]
            drug = _by_name(str(name), {}, dictionary())
            own = drug.drug if isinstance(drug, Drug) and drug.klass == "corticosteroid" \
                else key
            out[key] = Drug(own, "corticosteroid", float(target))
            equivalents[own] = float(target)
            continue
        if target_text in ("immunosuppressant", "rituximab", "other"):
            drug = Drug(None if target_text != "rituximab" else "rituximab", target_text)
        else:
            drug = _by_name(str(target), {}, dictionary())
            if drug is None or isinstance(drug, str):
                unknown.append(f"{name!r}: {target!r}")
                continue
        out[normalise(name)[0]] = drug
    return out, unknown, equivalents


def _by_name(name: str, user: dict[str, Drug], d: Dictionary) -> Drug | str | None:
    """The drug a name stands for; a problem text if the name is ambiguous; None if
    unknown."""
    key, words, _ = normalise(name)
    if key in user:
        return user[key]
    if key in d.names:
        return d.names[key]
    for word in words:
        match = _SUFFIX.match(word)
        if match and match.group(1) in d.names:
            return d.names[match.group(1)]
    found = {d.names[w.replace("-", "")] for w in words if w.replace("-", "") in d.names}
    found |= {user[w.replace("-", "")] for w in words if w.replace("-", "") in user}
    if len({f.drug or f.klass for f in found}) == 1:
        return found.pop()
    if found:
        return "names more than one drug (" + ", ".join(sorted(
            f.drug or f.klass for f in found)) + "): give one record per drug"
    if len(key) >= MIN_PREFIX:
        fits = {drug for k, drug in d.names.items() if k.startswith(key)}
        if len({f.drug for f in fits}) == 1:
            return fits.pop()
    return None


def _route(value) -> tuple[bool | None, str | None]:
    """(systemic?, problem) of a route column value; (None, None) if absent."""
    if _missing(value):
        return None, None
    text = _text(value)
    if not text:
        return None, None
    routes = dictionary().routes
    if text in routes:
        return routes[text], None
    found = {routes[t] for t in _route_terms() if f" {t} " in f" {text} "} - {None}
    if len(found) == 1:
        return found.pop(), None
    return None, f"unknown route {value!r}"


def route_name(route=None, name=None) -> str | None:
    """The route a record names (``"oral"``, ``"intravenous"``...): by its route value,
    else by the route words of its drug name; None when neither names one.

    Examples
    --------
    >>> route_name("PO"), route_name(None, "IV methylprednisolone"), route_name(None, "Medrol")
    ('oral', 'intravenous', None)
    """
    d = dictionary()
    if not _missing(route):
        text = _text(route)
        if text in d.route_names:
            return d.route_names[text]
        found = {d.route_names[t] for t in _route_terms() if f" {t} " in f" {text} "} - {None}
        if len(found) == 1:
            return found.pop()
    found = {d.route_names[w] for w in normalise("" if _missing(name) else name)[2]} - {None}
    return found.pop() if len(found) == 1 else None


def classify(name, route=None, atc=None, user: dict[str, Drug] | None = None) -> Record:
    """Classify one record from its drug name, route and ATC code.

    Examples
    --------
    >>> classify("IV methylprednisolone")
    Record(drug='methylprednisolone', klass='corticosteroid', systemic=True, problem=None)
    >>> classify("hydrocortisone cream").systemic
    False
    >>> classify("CellCept").drug, classify("rituximab-abbs").klass
    ('mycophenolate', 'rituximab')
    """
    d = dictionary()
    text = "" if _missing(name) else str(name)
    found = _by_name(text, user or {}, d) if text.strip() else None
    if isinstance(found, str):  # an ambiguous name
        return Record(None, None, True, found)
    evidence: list[tuple[str, bool]] = []  # (what says it, systemic?)
    route_flag, route_problem = _route(route)
    if route_flag is not None:
        evidence.append((f"route {route!r}", route_flag))
    evidence += [(f"{w!r} in the name", d.routes[w]) for w in normalise(text)[2]
                 if d.routes.get(w) is not None]
    code = "" if _missing(atc) else str(atc).strip().upper().replace(" ", "")
    if code:
        if not _ATC.match(code):
            return Record(None, None, True, f"{atc!r} is not a WHO ATC code")
        by_code, code_route = next(
            (d.atc[code[:k]] for k in range(len(code), 0, -1) if code[:k] in d.atc),
            (Drug(None, "other"), None))
        if code_route is not None:
            evidence.append((f"ATC {code}", code_route == "systemic"))
        if found is not None and found.klass != by_code.klass:
            return Record(None, None, True, f"ATC {code} ({by_code.klass}) disagrees with "
                                            f"the name {text!r} ({found.klass})")
        if found is None or by_code.drug is not None:
            found = by_code  # a substance code names the drug; a group code its class
    if len({flag for _, flag in evidence}) > 1:
        said = ", ".join(f"{what} ({'systemic' if flag else 'not systemic'})"
                         for what, flag in evidence)
        return Record(None, None, True, f"route evidence disagrees: {said}")
    systemic = evidence[0][1] if evidence else True
    if found is None:
        return Record(None, None, systemic, route_problem)
    if route_problem and found.klass != "other":
        return Record(found.drug, found.klass, systemic, route_problem)
    if (found.klass == "corticosteroid" and systemic and found.equivalent is None
            and found.drug not in d.equivalents):
        if found.drug is None:
            return Record(None, found.klass, systemic, f"ATC {code} is a group of systemic "
                          f"corticosteroids: the name {text!r} must say which one")
        if found.drug in d.systemic_forms:
            return Record(found.drug, found.klass, systemic,
                          f"no prednisone equivalence for {found.drug}: give its route, or "
                          f"declare it with drug_classes={{{text!r}: 'other'}}")
        systemic = False  # it has no systemic form (e.g. fluticasone): never counted
    return Record(found.drug, found.klass, systemic)


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def steroid_like(name) -> bool:
    """Does an unknown name look like a corticosteroid?"""
    return bool(STEROID_LIKE.search(normalise(name)[0]))
