"""Small-number suppression of public figures (rule declared in data/publication.yaml).

Frames returned to a public viewer carry a boolean column `suppressed`; where it is True the
figures of the row are missing and pages print `suppressed_label()` in their place.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from servicestat.config import DATA_DIR


def min_count(data_dir: str | os.PathLike[str] = DATA_DIR) -> int:
    """k: the fewest responses or observations a public figure may be built from."""
    rules = yaml.safe_load((Path(data_dir) / "publication.yaml").read_text(encoding="utf-8")) or {}
    return int(rules.get("suppression", {}).get("min_count", 10))


def suppressed_label(data_dir: str | os.PathLike[str] = DATA_DIR) -> str:
    """What a page or download shows in place of a suppressed figure."""
    return f"suppressed (fewer than {min_count(data_dir)})"
