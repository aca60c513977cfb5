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

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

Op = Literal["<", "<=", ">", ">=", "==", "!="]
Against = Literal["baseline", "reference", "previous"]


class Model(BaseModel):
    """Base of every definition model: frozen and strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


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
    value: float
    at: Literal["visit", "baseline", "reference"] = "visit"
    change_from: Against | None = None
    of: Against | None = None
    label: str | None = None

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


def _describe(criterion: Criterion) -> str:
    return criterion if isinstance(criterion, str) else criterion.describe()


def _criterion_tag(value: Any) -> str:
    if isinstance(value, str):
        return "ref"
    if isinstance(value, dict):
        return "all" if "all" in value else "any" if "any" in value else "compare"
    return {AllOf: "all", AnyOf: "any"}.get(type(value), "compare")


Criterion = Annotated[
    Annotated[str, Tag("ref")]
    | Annotated[Compare, Tag("compare")]
    | Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")],
    Discriminator(_criterion_tag),
]


class Timepoint(Model):
    """A named assessment time: target study day and window (days either side)."""

    label: str
    day: int
    window: int = Field(default=28, ge=0)


class EndpointBase(Model):
    """Fields every endpoint definition has: its name, timepoints and provenance."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    timepoints: tuple[str, ...] = Field(min_length=1)
    description: str = ""
    source: str = ""
    notes: tuple[str, ...] = ()


class Response(EndpointBase):
    """Binary response at the assessment visit: `criteria` met and `unless` not met."""

    kind: Literal["response"] = "response"
    criteria: Criterion
    unless: Criterion | None = None


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


class TimeToEvent(EndpointBase):
    """Days to the first visit in the period at which `event` is met (else censored)."""

    kind: Literal["time_to_event"] = "time_to_event"
    event: Criterion


class Change(EndpointBase):
    """Value of `variable` at the assessment visit minus its baseline."""

    kind: Literal["change"] = "change"
    variable: str


Endpoint = Annotated[Response | Categorical | TimeToEvent | Change, Field(discriminator="kind")]


class TrialDefinition(Model):
    """A trial: its ID, timepoints, named criteria and endpoint definitions.

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
    timepoints: tuple[Timepoint, ...] = Field(min_length=1)
    criteria: dict[str, Criterion] = Field(default_factory=dict)
    endpoints: tuple[Endpoint, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> TrialDefinition:
        labels = [t.label for t in self.timepoints]
        if len(set(labels)) != len(labels):
            raise ValueError(f"timepoint labels must be unique: {labels}")
        names = [e.name for e in self.endpoints]
        if len(set(names)) != len(names):
            raise ValueError(f"endpoint names must be unique: {names}")
        for endpoint in self.endpoints:
            unknown = set(endpoint.timepoints) - set(labels)
            if unknown:
                raise ValueError(f"endpoint {endpoint.name}: unknown timepoints {sorted(unknown)}")
        for name, criterion in self.criteria.items():
            self._resolve(criterion, (name,), f"criteria.{name}")
        for i, endpoint in enumerate(self.endpoints):
            for criterion in criteria_of(endpoint):
                self._resolve(criterion, (), f"endpoints.{i} ({endpoint.name})")
        return self

    def _resolve(self, criterion: Criterion, chain: tuple[str, ...], where: str) -> None:
        if isinstance(criterion, str):
            if criterion not in self.criteria:
                raise ValueError(
                    f"{where}: unknown criterion {criterion!r}; defined: {sorted(self.criteria)}"
                )
            if criterion in chain:
                raise ValueError(f"{where}: criterion {criterion!r} refers to itself")
            self._resolve(self.criteria[criterion], (*chain, criterion), where)
        elif isinstance(criterion, AllOf | AnyOf):
            for term in criterion.all if isinstance(criterion, AllOf) else criterion.any:
                self._resolve(term, chain, where)

    def timepoint(self, label: str) -> Timepoint:
        """The timepoint with this label."""
        return next(t for t in self.timepoints if t.label == label)

    def endpoint(self, name: str) -> Endpoint:
        """The endpoint definition with this name (KeyError if none)."""
        for endpoint in self.endpoints:
            if endpoint.name == name:
                return endpoint
        raise KeyError(name)


def criteria_of(endpoint: EndpointBase) -> list[Criterion]:
    if isinstance(endpoint, Response):
        return [c for c in (endpoint.criteria, endpoint.unless) if c is not None]
    if isinstance(endpoint, Categorical):
        return [c.criteria for c in endpoint.categories]
    if isinstance(endpoint, TimeToEvent):
        return [endpoint.event]
    return []
