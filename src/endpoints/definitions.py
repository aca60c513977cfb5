"""Trial and endpoint definitions as data: frozen, JSON-serialisable pydantic models.

A :class:`TrialDefinition` holds the trial's timepoints, named criteria and a list of
endpoint definitions discriminated by ``kind``. Criteria are trees of the nodes of
:mod:`endpoints.nodes` (``Compare``, ``AllOf``, ``AnyOf``, ``NewBilag``, ``Ever``,
``Never``, ``At``, ``Throughout``, ...) and of names of criteria defined in
``TrialDefinition.criteria``; each node type declares its own contract there.

Examples
--------
>>> cr = AllOf(all=(Compare(variable="upcr", op="<", value=0.5),
...                 Compare(variable="egfr", op=">=", value=0.85, of="baseline")))
>>> cr.describe()
'upcr < 0.5 and egfr >= 85% of baseline'
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from .derived import METHODS
from .inputs.visits import BILAG_DOMAINS
from .model import NOT_VARIABLES, Model, clinical, definition_error, tag
from .nodes import (
    NODES,
    AllOf,
    AnyOf,
    At,
    Compare,
    Criterion,
    Ever,
    Never,
    NewBilag,
    Throughout,
)

__all__ = [
    "BILAG_DOMAINS",
    "NOT_VARIABLES",
    "AdverseEvent",
    "AllOf",
    "AnyOf",
    "Arm",
    "At",
    "Categorical",
    "Category",
    "Change",
    "Compare",
    "Criterion",
    "CumulativeDose",
    "Endpoint",
    "Event",
    "Ever",
    "Level",
    "Model",
    "Never",
    "NewBilag",
    "Response",
    "Series",
    "Throughout",
    "TimeToEvent",
    "Timepoint",
    "TrialDefinition",
    "children",
    "criteria_of",
    "definition_error",
]


class Timepoint(Model):
    """A named assessment time: target study day and window (days either side).

    A ``baseline`` timepoint (its label is "baseline" unless ``baseline`` says
    otherwise) reads every variable's baseline value: the last non-missing value on or
    before day 0.
    """

    label: str
    day: int
    window: int = Field(default=28, ge=0)
    baseline: bool = False

    @model_validator(mode="before")
    @classmethod
    def _named_baseline(cls, data: Any) -> Any:
        if isinstance(data, dict) and "baseline" not in data and str(
                data.get("label", "")).strip().lower() == "baseline":
            return {**data, "baseline": True, "day": data.get("day", 0)}
        return data


class Series(Model):
    """Timepoints in a series: the days ``start``, ``start + every``, ... up to ``stop``
    (or the listed ``days``), labelled by ``label`` with ``{day}``, ``{week}`` (day / 7)
    and ``{month}`` (day / 30.4375, rounded) filled in, e.g. ``"week {week}"``. An
    endpoint that lists the series' ``name`` among its timepoints is scored at each. A
    timepoint written out with a label of the series is used as written.

    Examples
    --------
    >>> [t.label for t in Series(name="visits", start=28, stop=84, every=28,
    ...                          label="week {week}").timepoints()]
    ['week 4', 'week 8', 'week 12']
    """

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_ -]*$")
    label: str
    days: tuple[int, ...] = ()
    start: int | None = None
    stop: int | None = None
    every: int | None = Field(default=None, gt=0)
    window: int = Field(default=28, ge=0)

    @model_validator(mode="after")
    def _days_given_once(self) -> Series:
        ranged = (self.start, self.stop, self.every)
        if self.days and any(x is not None for x in ranged):
            raise ValueError("give either days or start / stop / every, not both")
        if not self.days and any(x is None for x in ranged):
            raise ValueError("give days, or all of start, stop and every")
        if not self.days and self.stop < self.start:
            raise ValueError("stop is before start")
        return self

    def timepoints(self) -> list[Timepoint]:
        """The series' timepoints, in day order."""
        days = self.days or tuple(range(self.start, self.stop + 1, self.every))
        out = []
        for day in days:
            try:
                label = self.label.format(day=day, week=_whole(day / 7),
                                          month=_whole(round(day / 30.4375)))
            except (KeyError, IndexError, ValueError) as exc:
                raise ValueError(f"label {self.label!r}: use {{day}}, {{week}} or {{month}} "
                                 f"({exc})") from None
            out.append(Timepoint(label=label, day=day, window=self.window))
        return out


def _whole(x: float) -> int | float:
    return int(x) if float(x).is_integer() else round(x, 2)


class EndpointBase(Model):
    """Fields every endpoint definition has: its name, timepoints and provenance.

    ``applies_if`` restricts the endpoint to subjects meeting it (others get `<NA>` with
    the ``not_applicable`` reason). ``favourable`` says whether a True result is the good
    outcome (a response) or the bad one (a failure, a flare); summaries that impute
    missing results impute the unfavourable outcome.
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    timepoints: tuple[str, ...] = Field(min_length=1)
    description: str = ""
    source: str = ""
    notes: tuple[str, ...] = ()
    applies_if: Criterion | None = None
    not_applicable: str = "not applicable"
    favourable: bool = True

    def evaluated(self) -> list[tuple[Criterion, bool]]:
        """Every criterion the endpoint evaluates, each with whether it is read visit by
        visit (True: an event scanned over the visits) or once per subject at the
        assessment visit (False)."""
        return [] if self.applies_if is None else [(self.applies_if, False)]


class Response(EndpointBase):
    """Binary response at the assessment visit: `criteria` met and `unless` not met."""

    kind: Literal["response"] = "response"
    criteria: Criterion
    unless: Criterion | None = None

    def evaluated(self) -> list[tuple[Criterion, bool]]:
        found = [self.criteria, self.unless]
        return super().evaluated() + [(c, False) for c in found if c is not None]

    @property
    def result_type(self) -> str:
        """How results are reported: ``"binary"``, ``"categorical"`` or ``"continuous"``."""
        return "binary"


class Category(Model):
    """One category of a categorical endpoint, reached when its criteria are met."""

    label: str
    criteria: Criterion


class Categorical(EndpointBase):
    """Ordered, exclusive categories: the first whose criteria are met wins.

    A subject is in category *k* when categories 1..k-1 are known not met and *k* is
    met; ``otherwise`` when none is met. With ``binary`` true, ``result`` says whether
    a listed category was reached (e.g. CR or PR).
    """

    kind: Literal["categorical"] = "categorical"
    categories: tuple[Category, ...] = Field(min_length=1)
    otherwise: str
    binary: bool = True

    def evaluated(self) -> list[tuple[Criterion, bool]]:
        return super().evaluated() + [(c.criteria, False) for c in self.categories]

    @property
    def result_type(self) -> str:
        """How results are reported: ``"binary"``, ``"categorical"`` or ``"continuous"``."""
        return "binary" if self.binary else "categorical"


class TimeToEvent(EndpointBase):
    """Days to the first visit in the period at which `event` is met (else censored)."""

    kind: Literal["time_to_event"] = "time_to_event"
    event: Criterion

    def evaluated(self) -> list[tuple[Criterion, bool]]:
        return [*super().evaluated(), (self.event, True)]

    @property
    def result_type(self) -> str:
        """How results are reported: ``"binary"``, ``"categorical"`` or ``"continuous"``."""
        return "binary"


class _OfVariable(EndpointBase):
    """A continuous endpoint read from one clinical `variable` (change, level)."""

    variable: str
    _variable = field_validator("variable")(clinical)

    @property
    def result_type(self) -> str:
        """How results are reported: ``"binary"``, ``"categorical"`` or ``"continuous"``."""
        return "continuous"


class Change(_OfVariable):
    """Value of `variable` at the assessment visit minus its baseline."""

    kind: Literal["change"] = "change"


class Event(EndpointBase):
    """Did `event` occur at a visit of the period? ``value`` counts the event visits, or
    with ``count = "domains"`` (a :class:`NewBilag` event) the domain x visit events."""

    kind: Literal["event"] = "event"
    event: Criterion
    count: Literal["visits", "domains"] = "visits"

    def evaluated(self) -> list[tuple[Criterion, bool]]:
        return [*super().evaluated(), (self.event, True)]

    @property
    def result_type(self) -> str:
        """How results are reported: ``"binary"``, ``"categorical"`` or ``"continuous"``."""
        return "binary"


class CumulativeDose(EndpointBase):
    """Sum of the daily dose of `variable` over days 0 .. T-1 of the timepoint.

    From visits, a recorded dose holds from its visit until the day before the next
    recorded dose, the baseline dose from day 0; from a medications table, exactly.
    """

    kind: Literal["cumulative_dose"] = "cumulative_dose"
    variable: str = "prednisone"
    #: with a medications table, only records given by these routes count (CDISC route
    #: names: "oral", "intravenous", "intramuscular"...); a record naming none counts
    routes: tuple[str, ...] = ()
    _variable = field_validator("variable")(clinical)

    @property
    def result_type(self) -> str:
        """How results are reported: ``"binary"``, ``"categorical"`` or ``"continuous"``."""
        return "continuous"


class Level(_OfVariable):
    """The value of `variable` at the assessment visit; at a baseline timepoint, its
    baseline value (the last non-missing value on or before day 0)."""

    kind: Literal["level"] = "level"


class AdverseEvent(EndpointBase):
    """At least one adverse event matching the filters that starts in the period
    (``0 <= start_day <=`` the period's end). ``value`` counts the matching events and
    ``category`` is the worst grade (``"grade 3"``). A subject with visits and no
    matching event has none (False), as in safety tables; a subject with a matching
    event has one (True) even without visits.

    The filters, each optional: ``related`` (True: related to treatment),
    ``min_grade`` (CTCAE grade at least), ``serious`` and ``terms`` (preferred terms,
    compared case-insensitively).
    """

    kind: Literal["adverse_event"] = "adverse_event"
    related: bool | None = None
    min_grade: int | None = Field(default=None, ge=1, le=5)
    serious: bool | None = None
    terms: tuple[str, ...] = ()
    favourable: bool = False

    @property
    def result_type(self) -> str:
        """How results are reported: ``"binary"``, ``"categorical"`` or ``"continuous"``."""
        return "binary"


_KINDS = (Response, Categorical, TimeToEvent, Change, Event, CumulativeDose, Level,
          AdverseEvent)
#: kinds that can be read at a baseline timepoint (the others need a period after day 0)
AT_BASELINE = ("response", "categorical", "level", "change")


def _kind_tag(value: Any) -> str | None:
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    return tag(kind) if isinstance(kind, str) else None


#: an endpoint definition, of the kind its ``kind`` field names
Endpoint = Annotated[
    Union[tuple(Annotated[k, Tag(tag(k.model_fields["kind"].default))]  # noqa: UP007
                for k in _KINDS)],
    Discriminator(_kind_tag),
]


class Arm(Model):
    """A randomised arm: its label (as in the visit table's ``arm`` column), what it
    receives, and whether it is the control that other arms are compared with."""

    label: str
    description: str = ""
    control: bool = False


class TrialDefinition(Model):
    """A trial: its ID, arms, planned visit days (``schedule``, screening included),
    timepoints, named criteria, the methods of its derived variables (``derived``, e.g.
    ``{"egfr": "ckd_epi_2009"}``; see :mod:`endpoints.derived`) and endpoint definitions.

    Examples
    --------
    >>> t = TrialDefinition(
    ...     id="DEMO-1", title="Demo", timepoints=[{"label": "week 24", "day": 168}],
    ...     endpoints=[{"kind": "change", "name": "upcr_change", "variable": "upcr",
    ...                 "timepoints": ["week 24"]}])
    >>> t.endpoint("upcr_change").kind
    'change'
    """

    id: str = Field(min_length=1)
    title: str
    source: str = ""
    notes: tuple[str, ...] = ()
    arms: tuple[Arm, ...] = ()
    schedule: tuple[int, ...] = ()
    series: tuple[Series, ...] = ()
    timepoints: tuple[Timepoint, ...] = Field(min_length=1)
    criteria: dict[str, Criterion] = Field(default_factory=dict)
    derived: dict[str, str] = Field(default_factory=dict)
    endpoints: tuple[Endpoint, ...] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _catalogue_criteria(cls, data: Any) -> Any:
        """Definitions of the catalogue named anywhere (``"kdigo_2021.cr"``) become named
        criteria of the trial, unless it defines a criterion of that name itself."""
        if not isinstance(data, dict):
            return data
        from .catalogue import referenced

        found = referenced(data)
        own = dict(data.get("criteria") or {})
        added = {name: c for name, c in found.items() if name not in own}
        return {**data, "criteria": {**own, **added}} if added else data

    @model_validator(mode="before")
    @classmethod
    def _expand_series(cls, data: Any) -> Any:
        """Timepoint series become timepoints, and an endpoint's series name its labels:
        the expanded timepoints behave exactly like written ones (SPEC section 7)."""
        if not isinstance(data, dict) or not data.get("series"):
            return data
        series = [s if isinstance(s, Series) else Series.model_validate(s)
                  for s in data["series"]]
        names = [s.name for s in series]
        if len(set(names)) != len(names):
            raise ValueError(f"series names must be unique: {names}")
        timepoints = list(data.get("timepoints") or ())
        written = {(t.label if isinstance(t, Timepoint) else t.get("label")): t
                   for t in timepoints if isinstance(t, Timepoint | dict)}
        expanded: dict[str, list[str]] = {}
        for one in series:
            expanded[one.name] = []
            for t in one.timepoints():
                expanded[one.name].append(t.label)
                if t.label not in written:  # a timepoint written out wins (an edited copy)
                    timepoints.append(t)
                    written[t.label] = t
        endpoints = []
        for e in data.get("endpoints") or ():
            listed = e.get("timepoints") if isinstance(e, dict) else getattr(e, "timepoints",
                                                                             None)
            if isinstance(listed, list | tuple) and any(x in expanded for x in listed):
                labels = [y for x in listed for y in (expanded.get(x) or [x])]
                labels = list(dict.fromkeys(labels))
                e = ({**e, "timepoints": labels} if isinstance(e, dict)
                     else e.model_copy(update={"timepoints": tuple(labels)}))
            endpoints.append(e)
        order = sorted(range(len(timepoints)), key=lambda i: (_day_of(timepoints[i]), i))
        return {**data, "timepoints": [timepoints[i] for i in order], "endpoints": endpoints}

    @field_validator("derived")
    @classmethod
    def _known_methods(cls, derived: dict[str, str]) -> dict[str, str]:
        for name, method in derived.items():
            if name not in METHODS:
                raise ValueError(f"{name!r} is not a derived variable; known: "
                                 f"{', '.join(sorted(METHODS))}")
            if method not in METHODS[name]:
                raise ValueError(f"unknown method {method!r} for {name}; known: "
                                 f"{', '.join(sorted(METHODS[name]))}")
        return derived

    @field_validator("endpoints", mode="before")
    @classmethod
    def _known_kinds(cls, endpoints: Any) -> Any:
        known = [k.model_fields["kind"].default for k in _KINDS]
        for i, endpoint in enumerate(endpoints if isinstance(endpoints, list | tuple) else ()):
            kind = endpoint.get("kind") if isinstance(endpoint, dict) else "?"
            if isinstance(endpoint, dict) and kind not in known:
                raise ValueError(f"endpoints.{i} has an unknown kind {kind!r}; known kinds: "
                                 f"{', '.join(known)}")
        return endpoints

    @model_validator(mode="after")
    def _consistent(self) -> TrialDefinition:
        labels = [t.label for t in self.timepoints]
        if len(set(labels)) != len(labels):
            raise ValueError(f"timepoint labels must be unique: {labels}")
        if sum(a.control for a in self.arms) > 1:
            raise ValueError("at most one arm can be the control")
        names = [e.name for e in self.endpoints]
        if len(set(names)) != len(names):
            raise ValueError(f"endpoint names must be unique: {names}")
        baselines = {t.label for t in self.timepoints if t.baseline}
        for endpoint in self.endpoints:
            unknown = set(endpoint.timepoints) - set(labels)
            if unknown:
                raise ValueError(f"endpoint {endpoint.name}: unknown timepoints {sorted(unknown)}")
            if baselines & set(endpoint.timepoints) and endpoint.kind not in AT_BASELINE:
                raise ValueError(f"endpoint {endpoint.name}: a {endpoint.kind} endpoint has no "
                                 f"baseline value; a baseline timepoint suits "
                                 f"{', '.join(AT_BASELINE)} endpoints")
        for name, criterion in self.criteria.items():
            self._resolve(criterion, (name,), f"criteria.{name}", per_visit=False)
        for i, endpoint in enumerate(self.endpoints):
            where = f"endpoints.{i} ({endpoint.name})"
            for criterion, per_visit in endpoint.evaluated():
                self._resolve(criterion, (), where, per_visit=per_visit)
            if isinstance(endpoint, Event) and endpoint.count == "domains" and not any(
                    isinstance(node, NewBilag) for node in self.nodes(endpoint.event)):
                raise ValueError(f"{where}: count = 'domains' counts BILAG domains: the event "
                                 "must contain a new_bilag criterion")
        return self

    def _resolve(self, criterion: Criterion, chain: tuple[str, ...], where: str, *,
                 per_visit: bool) -> None:
        """Check that `criterion` refers to defined criteria and timepoints, and that a
        criterion read visit by visit (`per_visit`: an event, a time to event, inside
        ever / never / throughout) holds no criterion over a period of visits."""
        if isinstance(criterion, str):
            if criterion not in self.criteria:
                raise ValueError(
                    f"{where}: unknown criterion {criterion!r}; defined: {sorted(self.criteria)}"
                )
            if criterion in chain:
                raise ValueError(f"{where}: criterion {criterion!r} refers to itself")
            self._resolve(self.criteria[criterion], (*chain, criterion),
                          f"{where} -> {criterion}", per_visit=per_visit)
            return
        if set(criterion.timepoints()) - {t.label for t in self.timepoints}:
            raise ValueError(f"{where}: unknown timepoint in {criterion.describe()!r}")
        if per_visit and criterion.per_subject:
            raise ValueError(
                f"{where}: {criterion.describe()!r} ({criterion.key}) answers once per "
                "subject (over a period, or at another timepoint's visit), so it cannot "
                "stand where a criterion is read visit by visit: as the event of an event "
                "or time-to-event endpoint, or inside a criterion over visits (" + ", ".join(
                    sorted(k for k, n in NODES.items() if n.children_per_visit)) + ")")
        inner = criterion.children_per_visit or (per_visit and not criterion.per_subject)
        for term in criterion.children():
            self._resolve(term, chain, where, per_visit=inner)

    def nodes(self, criterion: Criterion):
        """Every node of a criterion tree, named criteria followed."""
        if isinstance(criterion, str):
            yield from self.nodes(self.criteria[criterion])
            return
        yield criterion
        for term in criterion.children():
            yield from self.nodes(term)

    def timepoint(self, label: str) -> Timepoint:
        """The timepoint with this label."""
        return next(t for t in self.timepoints if t.label == label)

    def endpoint(self, name: str) -> Endpoint:
        """The endpoint definition with this name (KeyError if none)."""
        for endpoint in self.endpoints:
            if endpoint.name == name:
                return endpoint
        raise KeyError(name)


def _day_of(timepoint: Any) -> float:
    """A written timepoint's day, for ordering (a baseline written without one: 0)."""
    if isinstance(timepoint, dict):
        try:
            timepoint = Timepoint.model_validate(timepoint)
        except ValueError:
            return float("inf")  # the model's own validation reports it
    return timepoint.day if isinstance(timepoint, Timepoint) else float("inf")


def children(criterion: Criterion) -> tuple[Criterion, ...]:
    """The criteria directly inside `criterion` (none for a named reference)."""
    return () if isinstance(criterion, str) else criterion.children()


def criteria_of(endpoint: EndpointBase) -> list[Criterion]:
    """Every criterion an endpoint definition evaluates."""
    return [criterion for criterion, _ in endpoint.evaluated()]
