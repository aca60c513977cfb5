"""Trial and endpoint definitions as data: frozen, JSON-serialisable pydantic models.

A :class:`TrialDefinition` holds the trial's timepoints, named criteria and a list of
endpoint definitions discriminated by ``kind``. Criteria are small expression trees:

- :class:`Compare` — one variable against a threshold, optionally as a change from, or
  a fraction of, the subject's baseline / reference (selection-visit) / previous value;
- :class:`AllOf` / :class:`AnyOf` — Kleene AND / OR of criteria;
- a plain string — the name of a criterion defined in ``TrialDefinition.criteria``.

This module knows nothing of pandas: it describes, the ``criteria`` package evaluates.

Examples
--------
>>> cr = AllOf(all=(Compare(variable="upcr", op="<", value=0.5),
...                 Compare(variable="egfr", op=">=", value=0.85, of="baseline")))
>>> cr.describe()
'upcr < 0.5 and egfr >= 85% of baseline'
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from .errors import DefinitionError

Op = Literal["<", "<=", ">", ">=", "==", "!="]
BILAG_DOMAINS: tuple[str, ...] = (
    "constitutional",
    "mucocutaneous",
    "neuropsychiatric",
    "musculoskeletal",
    "cardiorespiratory",
    "gastrointestinal",
    "ophthalmic",
    "renal",
    "haematological",
)
Against = Literal["baseline", "reference", "previous"]
#: columns of the visit table that are not clinical variables a criterion can compare
NOT_VARIABLES: frozenset[str] = frozenset({"subject_id", "arm", "sex"})


def definition_error(exc: ValidationError, origin: str = "") -> DefinitionError:
    """A :class:`DefinitionError` listing every invalid field of a validation error."""
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(definition)'}: "
        f"{e['msg'].removeprefix('Value error, ')}" for e in exc.errors()
    )
    return DefinitionError(f"{origin}{': ' if origin else ''}invalid definition: {problems}")


class Model(BaseModel):
    """Base of every definition model: frozen and strict about unknown fields. An invalid
    model is a :class:`~endpoints.errors.DefinitionError` (not pydantic's error type)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def __init__(self, **data: Any) -> None:
        with _outermost(type(self).__name__):
            super().__init__(**data)

    @classmethod
    def model_validate(cls, obj: Any, **options: Any):
        """Validate `obj` into the model; a :class:`DefinitionError` if it is invalid."""
        with _outermost(cls.__name__):
            return super().model_validate(obj, **options)

    @classmethod
    def model_validate_json(cls, json_data, **options: Any):
        """Validate JSON text into the model; a :class:`DefinitionError` if it is invalid."""
        with _outermost(cls.__name__):
            return super().model_validate_json(json_data, **options)


_DEPTH: contextvars.ContextVar[int] = contextvars.ContextVar("definition_depth", default=0)


@contextlib.contextmanager
def _outermost(name: str):
    """Turn pydantic's error into a DefinitionError at the outermost model only (pydantic
    builds nested models through their ``__init__`` and merges their errors itself)."""
    depth = _DEPTH.get()
    token = _DEPTH.set(depth + 1)
    try:
        yield
    except ValidationError as exc:
        if depth:
            raise
        raise definition_error(exc, name) from None
    finally:
        _DEPTH.reset(token)


def _clinical(variable: str) -> str:
    if variable in NOT_VARIABLES:
        raise ValueError(f"{variable!r} is not a clinical variable")
    return variable


class Compare(Model):
    """Compare a variable with a threshold at the visit being assessed.

    The compared quantity is the variable's value ``at`` the visit (or the subject's
    baseline / reference value), minus the ``change_from`` value if given; the threshold
    is ``value``, times the ``of`` value if given. Both sides are compared in decimal
    terms: ``round(lhs - rhs, 9) <op> 0``.

    Examples
    --------
    >>> Compare(variable="upcr", op="<=", value=0.5, of="baseline").describe()
    'upcr <= 50% of baseline'
    >>> Compare(variable="sledai", op="<=", value=-4, change_from="baseline").describe()
    'sledai change from baseline <= -4'
    """

    variable: str
    op: Op
    value: float = Field(allow_inf_nan=False)
    at: Literal["visit", "baseline", "reference"] = "visit"
    change_from: Against | None = None
    of: Against | None = None
    label: str | None = None

    _variable = field_validator("variable")(_clinical)

    @model_validator(mode="after")
    def _one_relation(self) -> Compare:
        if self.change_from and self.of:
            raise ValueError("use either change_from or of, not both")
        if self.at != "visit" and (self.change_from or self.of):
            raise ValueError("change_from / of compare the visit value: leave `at` as visit")
        return self

    def describe(self) -> str:
        if self.label:
            return self.label
        subject = self.variable if self.at == "visit" else f"{self.at} {self.variable}"
        if self.change_from:
            subject += f" change from {self.change_from}"
        threshold = f"{self.value:g}"
        if self.of:
            threshold = f"{self.value * 100:g}% of {self.of}"
        return f"{subject} {self.op} {threshold}"


class AllOf(Model):
    """All criteria hold (Kleene AND: one known failure is a failure)."""

    all: tuple[Criterion, ...] = Field(min_length=1)
    label: str | None = None

    def describe(self) -> str:
        return self.label or " and ".join(_describe(c) for c in self.all)


class AnyOf(Model):
    """At least one criterion holds (Kleene OR: one known success is a success)."""

    any: tuple[Criterion, ...] = Field(min_length=1)
    label: str | None = None

    def describe(self) -> str:
        return self.label or "(" + " or ".join(_describe(c) for c in self.any) + ")"


class NewBilag(Model):
    """Count the BILAG domains with a *new* grade at the visit and compare the count.

    A domain is new A when graded A at the visit and B-E in the comparator; new B when
    graded B and C-E in the comparator. With several `grades`, a domain counts once if
    new in any of them. With missing grades the count is known only within bounds, and
    the comparison is unknown unless both bounds agree.

    Examples
    --------
    >>> NewBilag(new_bilag=("B",), op="<=", count=1).describe()
    'new BILAG B domains vs baseline <= 1'
    """

    new_bilag: tuple[Literal["A", "B"], ...] = Field(min_length=1)
    against: Against = "baseline"
    domains: tuple[str, ...] = BILAG_DOMAINS
    op: Literal["<", "<=", ">", ">="]
    count: int = Field(ge=0)
    label: str | None = None

    @model_validator(mode="after")
    def _known_domains(self) -> NewBilag:
        unknown = set(self.domains) - set(BILAG_DOMAINS)
        if unknown:
            raise ValueError(f"unknown BILAG domains {sorted(unknown)}; known: {BILAG_DOMAINS}")
        return self

    def describe(self) -> str:
        grades = "/".join(self.new_bilag)
        return self.label or f"new BILAG {grades} domains vs {self.against} {self.op} {self.count}"


class Ever(Model):
    """An event: `ever` met at some visit of the timepoint's period (after `after_day`).

    True when seen at a visit of the period; unknown when it cannot be ruled out at some
    visit or the subject has no assessment visit; otherwise False. Visits where none of
    the variables the event reads is recorded are not assessments and are skipped.
    """

    ever: Criterion
    after_day: int | None = None
    label: str | None = None

    def describe(self) -> str:
        after = f" after day {self.after_day}" if self.after_day is not None else ""
        return self.label or f"{_describe(self.ever)} at a visit{after}"


class Never(Model):
    """No event: the negation of :class:`Ever` over the same period."""

    never: Criterion
    after_day: int | None = None
    label: str | None = None

    def describe(self) -> str:
        return self.label or f"no {_describe(self.never)} in the period"


class At(Model):
    """`criterion` read at the assessment visit of another `timepoint`."""

    timepoint: str
    criterion: Criterion
    label: str | None = None

    def describe(self) -> str:
        return self.label or f"{_describe(self.criterion)} at the {self.timepoint} visit"


class Throughout(Model):
    """`throughout` met at every visit from the assessment visit of timepoint `since`
    (or, lacking one, from its target day) through the current assessment visit."""

    throughout: Criterion
    since: str
    label: str | None = None

    def describe(self) -> str:
        return self.label or f"{_describe(self.throughout)} at every visit since {self.since}"


def _describe(criterion: Criterion) -> str:
    return criterion if isinstance(criterion, str) else criterion.describe()


_TAGS = {"all": "all", "any": "any", "new_bilag": "new_bilag", "ever": "ever",
         "never": "never", "criterion": "at", "throughout": "throughout"}


def _criterion_tag(value: Any) -> str:
    if isinstance(value, str):
        return "ref"
    if isinstance(value, dict):
        return next((tag for key, tag in _TAGS.items() if key in value), "compare")
    return {AllOf: "all", AnyOf: "any", NewBilag: "new_bilag", Ever: "ever", Never: "never",
            At: "at", Throughout: "throughout"}.get(type(value), "compare")


Criterion = Annotated[
    Annotated[str, Tag("ref")]
    | Annotated[Compare, Tag("compare")]
    | Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[NewBilag, Tag("new_bilag")]
    | Annotated[Ever, Tag("ever")]
    | Annotated[Never, Tag("never")]
    | Annotated[At, Tag("at")]
    | Annotated[Throughout, Tag("throughout")],
    Discriminator(_criterion_tag),
]


class Timepoint(Model):
    """A named assessment time: target study day and window (days either side)."""

    label: str
    day: int
    window: int = Field(default=28, ge=0)


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


class Response(EndpointBase):
    """Binary response at the assessment visit: `criteria` met and `unless` not met."""

    kind: Literal["response"] = "response"
    criteria: Criterion
    unless: Criterion | None = None

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

    @property
    def result_type(self) -> str:
        """How results are reported: ``"binary"``, ``"categorical"`` or ``"continuous"``."""
        return "binary" if self.binary else "categorical"


class TimeToEvent(EndpointBase):
    """Days to the first visit in the period at which `event` is met (else censored)."""

    kind: Literal["time_to_event"] = "time_to_event"
    event: Criterion

    @property
    def result_type(self) -> str:
        """How results are reported: ``"binary"``, ``"categorical"`` or ``"continuous"``."""
        return "binary"


class Change(EndpointBase):
    """Value of `variable` at the assessment visit minus its baseline."""

    kind: Literal["change"] = "change"
    variable: str
    _variable = field_validator("variable")(_clinical)

    @property
    def result_type(self) -> str:
        """How results are reported: ``"binary"``, ``"categorical"`` or ``"continuous"``."""
        return "continuous"


class Event(EndpointBase):
    """Did `event` occur at a visit of the period? ``value`` counts the event visits, or
    with ``count = "domains"`` (a :class:`NewBilag` event) the domain x visit events."""

    kind: Literal["event"] = "event"
    event: Criterion
    count: Literal["visits", "domains"] = "visits"

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
    _variable = field_validator("variable")(_clinical)

    @property
    def result_type(self) -> str:
        """How results are reported: ``"binary"``, ``"categorical"`` or ``"continuous"``."""
        return "continuous"


Endpoint = Annotated[
    Response | Categorical | TimeToEvent | Change | Event | CumulativeDose,
    Field(discriminator="kind"),
]


class Arm(Model):
    """A randomised arm: its label (as in the visit table's ``arm`` column), what it
    receives, and whether it is the control that other arms are compared with."""

    label: str
    description: str = ""
    control: bool = False


class TrialDefinition(Model):
    """A trial: its ID, arms, planned visit days (``schedule``, screening included),
    timepoints, named criteria and endpoint definitions.

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
    timepoints: tuple[Timepoint, ...] = Field(min_length=1)
    criteria: dict[str, Criterion] = Field(default_factory=dict)
    endpoints: tuple[Endpoint, ...] = Field(min_length=1)

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
        for endpoint in self.endpoints:
            unknown = set(endpoint.timepoints) - set(labels)
            if unknown:
                raise ValueError(f"endpoint {endpoint.name}: unknown timepoints {sorted(unknown)}")
        for name, criterion in self.criteria.items():
            self._resolve(criterion, (name,), f"criteria.{name}", per_visit=False)
        for i, endpoint in enumerate(self.endpoints):
            where = f"endpoints.{i} ({endpoint.name})"
            for criterion in criteria_of(endpoint):
                per_visit = isinstance(endpoint, TimeToEvent | Event) and (
                    criterion is endpoint.event)
                self._resolve(criterion, (), where, per_visit=per_visit)
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
        if isinstance(criterion, At | Throughout) and (
            (criterion.timepoint if isinstance(criterion, At) else criterion.since)
            not in {t.label for t in self.timepoints}
        ):
            raise ValueError(f"{where}: unknown timepoint in {criterion.describe()!r}")
        if per_visit and isinstance(criterion, PERIOD_NODES):
            raise ValueError(
                f"{where}: {criterion.describe()!r} ({type(criterion).__name__.lower()}) "
                "answers once per subject (over a period, or at another timepoint's visit), "
                "so it cannot stand where a criterion is read visit by visit: as the event "
                "of an event or time-to-event endpoint, or inside ever / never / throughout")
        inner_per_visit = isinstance(criterion, Ever | Never | Throughout) or (
            per_visit and not isinstance(criterion, At))
        for term in children(criterion):
            self._resolve(term, chain, where, per_visit=inner_per_visit)

    def timepoint(self, label: str) -> Timepoint:
        """The timepoint with this label."""
        return next(t for t in self.timepoints if t.label == label)

    def endpoint(self, name: str) -> Endpoint:
        """The endpoint definition with this name (KeyError if none)."""
        for endpoint in self.endpoints:
            if endpoint.name == name:
                return endpoint
        raise KeyError(name)


#: criterion nodes that read a period of visits and answer once per subject
PERIOD_NODES = (Ever, Never, At, Throughout)


def children(criterion: Criterion) -> tuple[Criterion, ...]:
    """The criteria directly inside `criterion` (none for leaves and references)."""
    if isinstance(criterion, AllOf):
        return criterion.all
    if isinstance(criterion, AnyOf):
        return criterion.any
    if isinstance(criterion, Ever):
        return (criterion.ever,)
    if isinstance(criterion, Never):
        return (criterion.never,)
    if isinstance(criterion, At):
        return (criterion.criterion,)
    if isinstance(criterion, Throughout):
        return (criterion.throughout,)
    return ()


def criteria_of(endpoint: EndpointBase) -> list[Criterion]:
    """Every criterion an endpoint definition evaluates."""
    found = [endpoint.applies_if]
    if isinstance(endpoint, Response):
        found += [endpoint.criteria, endpoint.unless]
    elif isinstance(endpoint, Categorical):
        found += [c.criteria for c in endpoint.categories]
    elif isinstance(endpoint, TimeToEvent | Event):
        found.append(endpoint.event)
    return [c for c in found if c is not None]
