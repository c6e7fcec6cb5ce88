"""The shared vocabularies, derived from the declarations in data/ rather than retyped in code.

- drivers: the A-11 driver slots of `driver_patterns.yaml`, in slot order, plus `other`;
- channels: the canonical channels of `channels.yaml` with their labels and the raw labels
  agencies use for them;
- units: the unit words of `units.yaml` with their factors.
Labels are compared after `normalise_label` ('Automated_Phone' and 'automated phone' are one).
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import yaml

from core.paths import data_file

OTHER_DRIVER = "other"
#: The status of a standard in a period (metrics.standards.status_for decides which); the first three
#: are judgements, the last two say why there is none.
STATUSES: tuple[str, ...] = ("on track", "at risk", "off track", "insufficient data", "not reported")
JUDGED: tuple[str, ...] = STATUSES[:3]
#: Pseudo-channels of figures: the service as a whole, and rows whose channel was not given.
ALL_CHANNELS, UNSPECIFIED = "all", "unspecified"


def normalise_label(label: str) -> str:
    """Lower-case, trim, treat `-`, `_` and spaces alike: 'Automated_Phone' -> 'automated phone'."""
    return re.sub(r"[\s_\-]+", " ", str(label).strip().lower())


@cache
def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _doc(name: str, data_dir: str | os.PathLike[str] | None) -> dict:
    return _yaml(data_file(name, data_dir))


def drivers(data_dir: str | os.PathLike[str] | None = None) -> tuple[str, ...]:
    """The A-11 drivers in form order (satisfaction ... employee), then `other`."""
    slots = _doc("driver_patterns.yaml", data_dir).get("slots") or {}
    return (*(slots[k] for k in sorted(slots)), OTHER_DRIVER)


def channels(data_dir: str | os.PathLike[str] | None = None) -> tuple[str, ...]:
    """The canonical channels, in the order channels.yaml declares them."""
    return tuple(_doc("channels.yaml", data_dir).get("channels") or {})


def channel_labels(data_dir: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """Canonical channel -> its label."""
    spec = _doc("channels.yaml", data_dir).get("channels") or {}
    return {channel: str(entry.get("label", channel)) for channel, entry in spec.items()}


def channel_aliases(data_dir: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """Raw label (normalised) -> canonical channel."""
    out: dict[str, str] = {}
    for channel, entry in (_doc("channels.yaml", data_dir).get("channels") or {}).items():
        out[normalise_label(channel)] = channel
        for alias in entry.get("aliases", []):
            out[normalise_label(alias)] = channel
    return out


def unit_aliases(data_dir: str | os.PathLike[str] | None = None) -> dict[str, tuple[str, float]]:
    """Unit label (normalised) -> (canonical unit, factor into it)."""
    out: dict[str, tuple[str, float]] = {}
    for canonical, entry in (_doc("units.yaml", data_dir).get("units") or {}).items():
        out[normalise_label(canonical)] = (canonical, 1.0)
        for alias, factor in entry["aliases"].items():
            out[normalise_label(str(alias))] = (canonical, float(factor))
    return out


#: Drivers as declared by the project's own data/ (read once per process).
DRIVERS: tuple[str, ...] = drivers()
#: Canonical channels as declared by the project's own data/.
CHANNELS: tuple[str, ...] = channels()
