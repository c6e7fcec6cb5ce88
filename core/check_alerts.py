"""Alert rules (data/alerts.yaml) and who is told of them (data/subscriptions.yaml).

The rules are data because OMB changes them: what counts as an alert (a standard off track, for how
many periods; a significant drop in a survey driver, at which significance level; a report past its
deadline; a load with rejects), how severe it is, whether the public may see it and the sentence it
is told in. Each rule names a `kind` (the condition, evaluated by publish/alerts.py from the metrics
layer's own figures) and the `parameters` that kind takes, each checked here with its own model.

`check_alerts` / `check_subscriptions` report every problem at its line for `servicestat check`;
`alert_rules()` / `subscriptions()` read the files for the code, raising DeclarationError when they
are not valid.
"""

from __future__ import annotations

import os
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator

from core.check_base import CheckContext, StrictModel, label_of
from core.models import Slug, Text
from core.paths import data_file
from core.yamlio import Collector, DeclarationError, DeclarationProblem, line_of, read_yaml

Severity = Literal["high", "medium", "low"]
#: Severities, most urgent first (pages and lists sort by this).
SEVERITIES: tuple[str, ...] = ("high", "medium", "low")
ALL_AGENCIES = "all"  # a subscriptions key: every agency's alerts (OMB)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


class StandardParams(StrictModel):
    """standard_off_track: a standard off track in its latest judged period of `grain`, and in each of
    the `periods` - 1 periods before it (1: newly off track)."""

    grain: Literal["month", "quarter", "year"] = "quarter"
    periods: Annotated[int, Field(ge=1, strict=True)] = 1


class SurveyParams(StrictModel):
    """survey_drop: a driver's agree share (all channels) lower in a service's latest quarter than in the
    quarter before, by the pooled two-proportion test at the `significance` level."""

    drivers: list[Slug] = Field(min_length=1)
    significance: Annotated[float, Field(gt=0, lt=1)] = 0.05


class OverdueParams(StrictModel):
    """report_overdue: a quarterly report owed and not submitted `days_late` days after its deadline."""

    days_late: Annotated[int, Field(ge=0, strict=True)] = 0


class LoadParams(StrictModel):
    """load_rejects: a load that rejected at least `min_rejected` rows, until a later load of a file of
    the same name lands with none."""

    min_rejected: Annotated[int, Field(ge=1, strict=True)] = 1


#: Each kind: its parameters, the fields its text may use, and whether the public may ever see it.
@dataclass(frozen=True)
class Kind:
    params: type[BaseModel]
    fields: frozenset[str]
    may_be_public: bool


KINDS: dict[str, Kind] = {
    "standard_off_track": Kind(StandardParams, frozenset(
        {"service", "agency", "standard", "channel", "period", "since", "periods", "result", "target",
         "gap"}), True),
    "survey_drop": Kind(SurveyParams, frozenset(
        {"service", "agency", "driver", "period", "previous_period", "share", "previous_share", "change",
         "p_value", "n", "significance"}), True),
    "report_overdue": Kind(OverdueParams, frozenset(
        {"service", "agency", "period", "deadline", "days_late"}), False),
    "load_rejects": Kind(LoadParams, frozenset({"file", "load_id", "rejected", "read", "agency"}), False),
}


class AlertRule(StrictModel):
    id: Slug
    kind: Literal["standard_off_track", "survey_drop", "report_overdue", "load_rejects"]
    severity: Severity
    public: bool = False
    parameters: dict[str, Any] = {}
    text: Text

    def params(self) -> Any:
        """The parameters as the kind's model (valid: `check_alerts` refuses a file where they are not)."""
        return KINDS[self.kind].params.model_validate(self.parameters)

    def render(self, values: dict[str, object]) -> str:
        """The rule's sentence with this alert's figures."""
        return self.text.format(**values)


class Subscriptions(StrictModel):
    """agency id (or `all`) -> the addresses told of its alerts."""

    subscriptions: dict[str, list[Text]] = {}

    @field_validator("subscriptions")
    @classmethod
    def _addresses(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for agency, addresses in value.items():
            for address in addresses:
                if not _EMAIL.fullmatch(address):
                    raise ValueError(f"{agency}: {address!r} is not an email address (name@domain)")
        return value

    def addresses(self, agency_id: str | None) -> list[str]:
        """Who is told of an alert of `agency_id`: its subscribers and those of every agency, once each."""
        found = [*(self.subscriptions.get(agency_id, []) if agency_id else []),
                 *self.subscriptions.get(ALL_AGENCIES, [])]
        return list(dict.fromkeys(found))


def _fields(text: str) -> list[str] | None:
    """The placeholders of a text template; None when it is not a valid template."""
    try:
        return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError:
        return None


def _check_rules(c: Collector, data: Any, file: str, drivers: set[str] | None) -> list[AlertRule]:
    rules: list[AlertRule] = []
    seen: dict[str, int | None] = {}
    for rule, raw in c.entries(data, "rules", file, AlertRule):
        if rule is None:
            continue
        where = f"{rule.id}: "
        if rule.id in seen:
            c.add(file, line_of(raw, ("id",)), f"{where}duplicate rule id (first on line {seen[rule.id]})")
            continue
        seen[rule.id] = line_of(raw, ("id",))
        kind = KINDS[rule.kind]
        ok = True
        try:
            params = kind.params.model_validate(rule.parameters)
        except ValidationError as exc:
            ok = False
            for err in exc.errors():
                loc = ("parameters", *err["loc"])
                c.add(file, line_of(raw, loc), f"{where}{'.'.join(map(str, loc))}: {err['msg']}")
        if ok and isinstance(params, SurveyParams) and drivers is not None:
            c.ref(file, raw, ("parameters", "drivers"), drivers, "driver", "see driver_patterns.yaml `slots`")
        if rule.public and not kind.may_be_public:
            ok = False
            c.add(file, line_of(raw, ("public",)), f"{where}public: a {rule.kind} alert is about the "
                  "agency's own workings and is never public")
        names = _fields(rule.text)
        if names is None:
            ok = False
            c.add(file, line_of(raw, ("text",)), f"{where}text: not a valid template (a lone {{ or }}?)")
        else:
            unknown = sorted({n for n in names if n not in kind.fields})
            if unknown:
                ok = False
                c.add(file, line_of(raw, ("text",)), f"{where}text: unknown field(s) "
                      f"{', '.join('{' + n + '}' for n in unknown)}; a {rule.kind} text may use "
                      f"{', '.join('{' + n + '}' for n in sorted(kind.fields))}")
        if ok:
            rules.append(rule)
    return rules


def check_alerts(ctx: CheckContext, name: str) -> None:
    """alerts.yaml: typed rules, unique ids, parameters valid for their kind, known drivers, text
    fields the kind provides, and nothing public that is about an agency's own workings."""
    data, file, parsed = ctx.yaml(name)
    if parsed:
        _check_rules(ctx.collector, data, file, ctx.known.drivers)


def check_subscriptions(ctx: CheckContext, name: str) -> None:
    """subscriptions.yaml: declared agencies (or `all`), each with email addresses."""
    data, file, parsed = ctx.yaml(name)
    if not parsed:
        return
    if not isinstance(data, dict):
        ctx.add(file, 1, "expected a `subscriptions:` mapping of agency id to addresses")
        return
    try:
        Subscriptions.model_validate(dict(data))
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            agency = str(loc[1]) if len(loc) > 1 else None
            ctx.add(file, line_of(data, loc[:2] if agency else loc),
                    f"{'.'.join(map(str, loc))}: {err['msg'].removeprefix('Value error, ')}")
    subs = data.get("subscriptions")
    if isinstance(subs, dict) and ctx.known.agencies is not None:
        for agency in subs:
            if agency != ALL_AGENCIES and agency not in ctx.known.agencies:
                ctx.add(file, line_of(data, ("subscriptions", agency)), f"subscriptions: unknown agency "
                        f"{agency!r} (see agencies.csv; `{ALL_AGENCIES}` for every agency)")


def _read(name: str, data_dir: str | os.PathLike[str] | None) -> tuple[Any, str]:
    path = Path(data_file(name, data_dir))
    label = label_of(path)
    data, problems = read_yaml(path, label)
    if problems:
        raise DeclarationError(problems)
    return data, label


def alert_rules(data_dir: str | os.PathLike[str] | None = None) -> list[AlertRule]:
    """The rules of alerts.yaml, in file order; DeclarationError (file:line: message) when not valid."""
    data, label = _read("alerts.yaml", data_dir)
    c = Collector()
    rules = _check_rules(c, data, label, None)
    if c.problems:
        raise DeclarationError(c.problems)
    return rules


def subscriptions(data_dir: str | os.PathLike[str] | None = None) -> Subscriptions:
    """The subscriptions of subscriptions.yaml; DeclarationError when not valid."""
    data, label = _read("subscriptions.yaml", data_dir)
    try:
        return Subscriptions.model_validate(dict(data) if isinstance(data, dict) else {})
    except ValidationError as exc:
        raise DeclarationError([DeclarationProblem(label, None, str(exc))]) from None
