"""Cache metric tables per warehouse version and viewer, so a dashboard redraw costs a dictionary lookup.

The key is (warehouse path, `reader(db).version()`, declarations fingerprint, publication rules,
viewer, arguments): a new load publishes a new file (new version) and an edited data/*.yaml changes
the fingerprint, so a cached table is never served after either changed; and a table computed for
one viewer (scoped by `metrics.db`, suppressed by `metrics.suppression`) is never served to
another. Callers get a copy they may modify.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from core.declarations import fingerprint
from core.paths import DATA_DIR, db_path
from metrics.access import Viewer, current_viewer, viewing
from metrics.db import reader, withhold_partial_years
from metrics.suppression import for_viewer, is_deferred, rules_stamp

MAX_ENTRIES = 256


def cached(fn: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
    """Decorate `fn(db, *args, data_dir=..., **kwargs) -> DataFrame` with a per-version, per-viewer LRU
    cache; the frame is suppressed for the viewer (small numbers) before it is cached."""

    @functools.lru_cache(maxsize=MAX_ENTRIES)
    def run(
        path: str,
        version: Any,
        decl: tuple[int, ...],
        rules: tuple[int, int],
        viewer: Viewer,
        defer: bool,
        args: tuple,
        kwargs: tuple,
    ) -> pd.DataFrame:
        del version, decl, rules  # part of the key only
        with viewing(viewer):  # the viewer of the key, whatever thread runs this
            frame = fn(path, *args, **dict(kwargs))
            # A scope rule, not suppression: applied even when suppression is deferred (metrics.db).
            frame = withhold_partial_years(frame, path, viewer)
        return frame if defer else for_viewer(frame, viewer, dict(kwargs).get("data_dir", DATA_DIR))

    @functools.wraps(fn)
    def wrapper(db: str | os.PathLike[str] | None = None, *args: Any, **kwargs: Any) -> pd.DataFrame:
        path = str(Path(db_path(db)).resolve())
        data_dir = kwargs.get("data_dir", DATA_DIR)
        key_kwargs = tuple(sorted((k, str(v) if isinstance(v, Path) else v) for k, v in kwargs.items()))
        frame = run(
            path,
            reader(path).version(),
            fingerprint(data_dir),
            rules_stamp(data_dir),
            current_viewer(),
            is_deferred(),
            args,
            key_kwargs,
        )
        return frame.copy()

    wrapper.cache_clear = run.cache_clear  # type: ignore[attr-defined]
    wrapper.uncached = fn  # type: ignore[attr-defined]
    return wrapper
