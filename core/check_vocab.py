"""Checks of the vocabularies: data/channels.yaml, units.yaml, driver_patterns.yaml, hisp_2020_questions.csv.

Ingest maps raw labels through these files (a label claimed by two channels or units would be
mapped by whichever came last) and the survey code compiles the driver patterns on first use; so
ambiguity, a non-positive factor or a pattern that does not compile is reported here, at its line.

core.vocab is not imported: it reads these files when imported, and a broken file must be
reported, not stop the check.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, ValidationError

from core.check_base import CheckContext, RowModel, StrictModel, report_errors, validate_rows
from core.check_reference import name_key
from core.models import Text
from core.yamlio import LineDict, line_of

OTHER_DRIVER = "other"  # as core.vocab.OTHER_DRIVER: the driver of a question that fits no slot
SLOTS = range(1, 8)  # q1-q7 of the A-11 collections form


def normalise_label(label: object) -> str:
    """The same rule as core.vocab.normalise_label: case, spaces, '-' and '_' do not matter."""
    return re.sub(r"[\s_\-]+", " ", str(label).strip().lower())


class Channel(StrictModel):
    label: Text
    aliases: tuple[Text, ...] = ()


class Unit(StrictModel):
    #: unit word -> factor into this unit (ingest multiplies raw values by it)
    aliases: dict[str, Annotated[float, Field(gt=0, allow_inf_nan=False, strict=True)]] = Field(min_length=1)


def _mapping(ctx: CheckContext, data: Any, key: str, file: str) -> LineDict | None:
    """data[key] when it is a mapping; otherwise one problem and None."""
    if not isinstance(data, dict) or key not in data:
        ctx.add(file, getattr(data, "line", None) or 1, f"expected a top-level `{key}:` mapping")
        return None
    if not isinstance(data[key], dict) or not data[key]:
        ctx.add(file, line_of(data, (key,)), f"`{key}` must map each name to its entry")
        return None
    return data[key]


def _unique_labels(ctx: CheckContext, file: str, owners: list[tuple[str, object, int | None]],
                   what: str) -> None:
    """Each (owner, label, line): a label (normalised) may belong to one owner only."""
    first: dict[str, tuple[str, int | None]] = {}
    for owner, label, line in owners:
        norm = normalise_label(label)
        if norm in first and first[norm][0] != owner:
            other, other_line = first[norm]
            ctx.add(file, line, f"{owner}: alias {label!r} is also an alias of {what} {other!r} "
                    f"(line {other_line}); each raw label must mean one {what}")
        first.setdefault(norm, (owner, line))


def check_channels(ctx: CheckContext, name: str) -> None:
    """channels.yaml: each channel has a label; no raw label is claimed by two channels."""
    data, file, parsed = ctx.yaml(name)
    if not parsed:
        return
    spec = _mapping(ctx, data, "channels", file)
    if spec is None:
        return
    owners: list[tuple[str, object, int | None]] = []
    for channel, raw in spec.items():
        line = line_of(spec, (channel,))
        if not isinstance(channel, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", channel):
            ctx.add(file, line, f"channel name {channel!r} must be lower-case letters, digits, '-' or '_'")
        if not isinstance(raw, dict):
            ctx.add(file, line, f"{channel}: expected `label:` and `aliases:`")
            continue
        try:
            Channel.model_validate(dict(raw))
        except ValidationError as exc:
            report_errors(ctx, file, raw, exc, str(channel))
        owners.append((str(channel), channel, line))
        aliases = raw.get("aliases")
        for i, alias in enumerate(aliases if isinstance(aliases, list) else []):
            owners.append((str(channel), alias, line_of(raw, ("aliases", i))))
    _unique_labels(ctx, file, owners, "channel")
    ctx.known.channels = {str(c) for c in spec}


def check_units(ctx: CheckContext, name: str) -> None:
    """units.yaml: each unit's aliases map to a number > 0; no alias belongs to two units."""
    data, file, parsed = ctx.yaml(name)
    if not parsed:
        return
    spec = _mapping(ctx, data, "units", file)
    if spec is None:
        return
    owners: list[tuple[str, object, int | None]] = []
    for unit, raw in spec.items():
        line = line_of(spec, (unit,))
        owners.append((str(unit), unit, line))
        if not isinstance(raw, dict):
            ctx.add(file, line, f"{unit}: expected `aliases:`, a mapping of unit word: factor")
            continue
        try:
            Unit.model_validate(dict(raw))
        except ValidationError as exc:
            report_errors(ctx, file, raw, exc, str(unit))
        aliases = raw.get("aliases")
        for alias in aliases if isinstance(aliases, dict) else {}:
            owners.append((str(unit), alias, line_of(raw, ("aliases", alias))))
    _unique_labels(ctx, file, owners, "unit")
    ctx.known.units = {str(u) for u in spec}


class DriverEntry(StrictModel):
    standard: tuple[Text, ...] = ()
    patterns: tuple[str, ...] = Field(min_length=1)


def _compiles(ctx: CheckContext, file: str, node: Any, owner: str) -> None:
    """Each pattern in node (a list) must compile as driver_patterns.py compiles it."""
    for i, pattern in enumerate(node if isinstance(node, list) else []):
        if not isinstance(pattern, str):
            ctx.add(file, line_of(node, (i,)), f"{owner}: pattern {pattern!r} must be text")
            continue
        try:
            re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            ctx.add(file, line_of(node, (i,)), f"{owner}: pattern '{pattern}' is not a valid regular "
                    f"expression: {exc}")


def check_driver_patterns(ctx: CheckContext, name: str) -> None:
    """driver_patterns.yaml: slots 1-7 hold distinct declared drivers, `order` names declared drivers
    only, every pattern compiles. Publishes the drivers (slot drivers and `other`)."""
    data, file, parsed = ctx.yaml(name)
    if not parsed:
        return
    drivers = _mapping(ctx, data, "drivers", file)
    declared = set(drivers or {})
    for driver, raw in (drivers or {}).items():
        if not isinstance(raw, dict):
            ctx.add(file, line_of(drivers, (driver,)), f"{driver}: expected `standard:` and `patterns:`")
            continue
        try:
            DriverEntry.model_validate(dict(raw))
        except ValidationError as exc:
            report_errors(ctx, file, raw, exc, str(driver))
        _compiles(ctx, file, raw.get("patterns"), str(driver))
    _compiles(ctx, file, data.get("ten_point_scale") if isinstance(data, dict) else None, "ten_point_scale")
    slot_drivers = _check_slots(ctx, file, data, declared if drivers is not None else None)
    order = data.get("order") if isinstance(data, dict) else None
    if not isinstance(order, list):
        ctx.add(file, line_of(data, ("order",)) or 1, "`order` must list the drivers, most specific first")
    else:
        for i, driver in enumerate(order):
            if drivers is not None and driver not in declared:
                ctx.add(file, line_of(data, ("order", i)), f"order: unknown driver {driver!r} "
                        "(declare it under `drivers:`)")
            elif driver in order[:i]:
                ctx.add(file, line_of(data, ("order", i)), f"order: driver {driver!r} appears twice")
    placeholders = data.get("placeholders", []) if isinstance(data, dict) else []
    if not isinstance(placeholders, list):
        ctx.add(file, line_of(data, ("placeholders",)), "`placeholders` must be a list of texts")
    if slot_drivers is not None:
        ctx.known.drivers = {*slot_drivers, OTHER_DRIVER}


def _check_slots(ctx: CheckContext, file: str, data: Any, declared: set[str] | None) -> list[str] | None:
    """Slots 1..7, each a distinct declared driver; the slot drivers, or None when unusable."""
    slots = _mapping(ctx, data, "slots", file)
    if slots is None:
        return None
    ok = True
    seen: dict[str, Any] = {}
    for slot, driver in slots.items():
        line = line_of(slots, (slot,))
        if isinstance(slot, bool) or not isinstance(slot, int) or slot not in SLOTS:
            ctx.add(file, line, f"slots: {slot!r} is not a form position 1-7")
            ok = False
        if not isinstance(driver, str) or (declared is not None and driver not in declared):
            ctx.add(file, line, f"slots: {slot}: unknown driver {driver!r} (declare it under `drivers:`)")
        elif driver in seen:
            ctx.add(file, line, f"slots: {slot}: driver {driver!r} already holds slot {seen[driver]}")
        else:
            seen[driver] = slot
    missing = [s for s in SLOTS if s not in slots]
    if missing:
        ctx.add(file, line_of(data, ("slots",)), f"slots: no driver for position(s) "
                f"{', '.join(map(str, missing))}")
    return [str(d) for d in slots.values()] if ok else None


class HispQuestion(RowModel):
    question: Text
    driver: Text


def check_hisp_questions(ctx: CheckContext, name: str) -> None:
    """hisp_2020_questions.csv (ingest/hisp2020.py): each 2020 HISP question label once, to a declared
    driver."""
    f = ctx.csv(name, ("question", "driver"))
    if f is None:
        return
    seen: dict[str, int] = {}
    for q, row in validate_rows(ctx, f, HispQuestion, "question"):
        if q is None:
            continue
        if ctx.known.drivers is not None and q.driver not in ctx.known.drivers:
            ctx.add(f.label, row.line, f"{q.question}: unknown driver {q.driver!r} (see driver_patterns.yaml "
                    "`slots`)")
        k = name_key(q.question)  # as ingest/hisp2020.py looks questions up
        if k in seen:
            ctx.add(f.label, row.line, f"{q.question}: the same question as line {seen[k]} (labels are "
                    "compared by letters and digits)")
        seen.setdefault(k, row.line)
