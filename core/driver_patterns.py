"""Recognise the A-11 driver of a survey question from its wording.

The rules are data (data/driver_patterns.yaml) because agencies keep inventing wordings: a new
one is handled by adding a pattern there, not by changing code. Two uses: checking that a question
fits the driver of the slot it was reported in (a misfit is flagged, never reassigned), and
classifying questions that come without a position.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import yaml

from core.paths import DATA_DIR

PATTERNS_FILE = DATA_DIR / "driver_patterns.yaml"
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2026": "..."})


def clean_text(text: str | None) -> str:
    """Collapse whitespace (line breaks, tabs) and straighten curly quotes."""
    if text is None:
        return ""
    return " ".join(str(text).translate(_QUOTES).split())


@dataclass(frozen=True)
class DriverRules:
    """The parsed pattern file; `patterns` maps driver -> compiled regexes."""

    placeholders: frozenset[str]
    slots: dict[int, str]
    order: tuple[str, ...]
    patterns: dict[str, tuple[re.Pattern[str], ...]]
    standard: dict[str, tuple[str, ...]]
    ten_point: tuple[re.Pattern[str], ...]

    def matches(self, text: str | None) -> list[str]:
        """Every driver whose patterns match the text, in tie-break order."""
        t = clean_text(text)
        return [d for d in self.order if any(p.search(t) for p in self.patterns.get(d, ()))]

    def fits(self, text: str | None, driver: str) -> bool:
        """Does the wording read as `driver`? (`other` fits anything.)"""
        if driver == "other":
            return True
        t = clean_text(text)
        return any(p.search(t) for p in self.patterns.get(driver, ()))

    def classify(self, text: str | None) -> str:
        """The driver of a question without a position; `other` when no pattern fits."""
        found = self.matches(text)
        return found[0] if found else "other"

    def slot_driver(self, question_number: int | None) -> str:
        """The driver a v1 collections form puts at this position (q8-q11: `other`)."""
        return self.slots.get(question_number or 0, "other")

    def is_placeholder(self, text: str | None) -> bool:
        return clean_text(text).lower() in self.placeholders

    def speaks_of_ten_points(self, text: str | None) -> bool:
        t = clean_text(text)
        return any(p.search(t) for p in self.ten_point)

    def restricted(self, keep: dict[str, list[re.Pattern[str]]]) -> DriverRules:
        """The same rules with only the given patterns (used to fit on part of a sample)."""
        return DriverRules(self.placeholders, self.slots, self.order,
                           {d: tuple(ps) for d, ps in keep.items()}, self.standard, self.ten_point)


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def parse(spec: dict) -> DriverRules:
    drivers = spec["drivers"]
    return DriverRules(
        placeholders=frozenset(str(p).strip().lower() for p in spec.get("placeholders", [])),
        slots={int(k): str(v) for k, v in spec["slots"].items()},
        order=tuple(spec["order"]),
        patterns={d: tuple(_compile(p) for p in entry.get("patterns", [])) for d, entry in drivers.items()},
        standard={d: tuple(entry.get("standard", [])) for d, entry in drivers.items()},
        ten_point=tuple(_compile(p) for p in spec.get("ten_point_scale", [])),
    )


@cache
def rules(path: Path = PATTERNS_FILE) -> DriverRules:
    """The rules from data/driver_patterns.yaml (read once per process)."""
    return parse(yaml.safe_load(path.read_text(encoding="utf-8")))


def install_classifier(con: duckdb.DuckDBPyConnection, name: str = "ss_driver") -> None:
    """SQL function `ss_driver(question_text)` -> driver, for kinds checked in SQL.

    Lets a generic survey file leave its driver blank: `coalesce(driver, ss_driver(question_text))`.
    Safe to call again on the same connection (several files in one load).
    """
    from duckdb import sqltypes

    r = rules()
    with contextlib.suppress(duckdb.InvalidInputException):  # not installed yet
        con.remove_function(name)
    con.create_function(name, lambda text: None if text is None else r.classify(text), [sqltypes.VARCHAR],
                        sqltypes.VARCHAR, null_handling="special")
