"""Cache metric tables per warehouse version, so a dashboard redraw costs a dictionary lookup.

The key is (warehouse path, `reader(db).version()`, declarations fingerprint, arguments): a new
load publishes a new file (new version) and an edited data/*.yaml changes the fingerprint, so a
cached table is never served after either changed. Callers get a copy they may modify.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from metrics.db import reader
from metrics.declarations import fingerprint
from servicestat.config import DATA_DIR, db_path

MAX_ENTRIES = 256


def cached(fn: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
    """Decorate `fn(db, *args, data_dir=..., **kwargs) -> DataFrame` with a per-version LRU cache."""

    @functools.lru_cache(maxsize=MAX_ENTRIES)
    def run(path: str, version: Any, decl: tuple[int, ...], args: tuple, kwargs: tuple) -> pd.DataFrame:
        del version, decl  # part of the key only
        return fn(path, *args, **dict(kwargs))

    @functools.wraps(fn)
    def wrapper(db: str | os.PathLike[str] | None = None, *args: Any, **kwargs: Any) -> pd.DataFrame:
        path = str(Path(db_path(db)).resolve())
        data_dir = kwargs.get("data_dir", DATA_DIR)
        key_kwargs = tuple(sorted((k, str(v) if isinstance(v, Path) else v) for k, v in kwargs.items()))
        frame = run(path, reader(path).version(), fingerprint(data_dir), args, key_kwargs)
        return frame.copy()

    wrapper.cache_clear = run.cache_clear  # type: ignore[attr-defined]
    wrapper.uncached = fn  # type: ignore[attr-defined]
    return wrapper
