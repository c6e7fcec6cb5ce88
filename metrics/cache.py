"""Cache metric tables per warehouse version and viewer, so a dashboard redraw costs a dictionary lookup.

The key is (warehouse path, `reader(db).version()`, declarations fingerprint, publication rules,
viewer, arguments): a new load publishes a new file (new version) and an edited data/*.yaml changes
the fingerprint, so a cached table is never served after either changed; and a table computed for
one viewer (scoped by `metrics.db`, suppressed by `metrics.suppression`) is never served to
another. Callers get a copy they may modify. `memo` is the same key without the suppression step,
for results that need none.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from core.declarations import fingerprint
from core.paths import DATA_DIR, db_path
from metrics.access import Viewer, current_viewer, viewing
from metrics.db import reader, withhold_partial_years
from metrics.suppression import deferred, for_viewer, is_deferred, rules_stamp

MAX_ENTRIES = 256


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Path) else value


def _same(value: Any, default: Any) -> bool:
    try:
        return type(value) is type(default) and bool(value == default)
    except (TypeError, ValueError):  # values without a plain truth (arrays)
        return False


def _arguments(sig: inspect.Signature | None, args: tuple, kwargs: dict[str, Any]) -> tuple[tuple, tuple]:
    """One key for one call however it is spelt: every argument after `db` by name, those equal to their
    default left out, so `f(db, "quarter", data_dir=DATA_DIR)` and `f(db)` are one cache entry (not two
    builds of the same table). A signature this cannot name (`*args`, positional-only) keys as called."""
    if sig is not None:
        try:
            bound = sig.bind(None, *args, **kwargs)
        except TypeError:
            bound = None
        if bound is not None:
            named = {}
            for name, value in list(bound.arguments.items())[1:]:
                default = sig.parameters[name].default
                if default is inspect.Parameter.empty or not _same(_plain(value), _plain(default)):
                    named[name] = _plain(value)
            return (), tuple(sorted(named.items()))
    return args, tuple(sorted((k, _plain(v)) for k, v in kwargs.items()))


def _nameable(fn: Callable[..., Any]) -> inspect.Signature | None:
    sig = inspect.signature(fn)
    kinds = [p.kind for p in sig.parameters.values()]
    plain = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return sig if kinds and all(k in plain for k in kinds[1:]) else None


def _per_service(frame: Any) -> bool:
    return isinstance(frame, pd.DataFrame) and {"n", "service_id"} <= set(frame.columns)


def cached(fn: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
    """Decorate `fn(db, *args, data_dir=..., **kwargs) -> DataFrame` with a per-version, per-viewer LRU
    cache; the frame is suppressed for the viewer (small numbers) before it is cached."""
    sig = _nameable(fn)
    # Per call (arguments), whether the last frame built had one service per row and an `n`: a fact of
    # the code, not of a warehouse version, so kept across versions (and `cache_clear`). A frame known
    # not to be one is built once, from suppressed parts, without first building the unsuppressed
    # frame it would not use; should it turn out to be one after all, it takes the route below.
    shape: dict[tuple, bool] = {}

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
        data_dir = dict(kwargs).get("data_dir", DATA_DIR)
        with viewing(viewer):  # the viewer of the key, whatever thread runs this
            if defer or viewer.role == "omb":
                return build(path, viewer, args, kwargs)
            # Suppressed once, as a whole, as the downloads are (suppression.export_for_viewer): a
            # frame with an `n` is built from unsuppressed parts, so a page never shows a count (say
            # the transactions of a channel whose survey n is 4) that the download of the same table
            # withholds. A frame without `n` has nothing to suppress on: built from suppressed parts.
            # Only a frame of one service per row: suppression's complements are chosen within a
            # service, so a frame pooling services (no service_id) rebuilt from unsuppressed parts
            # could give a hidden complement back (one service alone in a channel's pool); pooled
            # frames are built from suppressed parts.
            # The unsuppressed frame is the cached deferred entry (same key, `defer` True), so a table
            # that pages and exports (or another table's deferred build) both ask for is built once.
            if shape.get((args, kwargs)) is False:
                frame = build(path, viewer, args, kwargs)
                if not _per_service(frame):
                    return for_viewer(frame, viewer, data_dir)
            with deferred():
                whole = run(path, version, decl, rules, viewer, True, args, kwargs)
            if len(shape) < 4 * MAX_ENTRIES:
                shape[(args, kwargs)] = _per_service(whole)
            if _per_service(whole):
                return for_viewer(whole, viewer, data_dir)
            return for_viewer(build(path, viewer, args, kwargs), viewer, data_dir)

    def build(path: str, viewer: Viewer, args: tuple, kwargs: tuple) -> pd.DataFrame:
        frame = fn(path, *args, **dict(kwargs))
        # A scope rule, not suppression: applied even when suppression is deferred (metrics.db).
        return withhold_partial_years(frame, path, viewer)

    @functools.wraps(fn)
    def wrapper(db: str | os.PathLike[str] | None = None, *args: Any, **kwargs: Any) -> pd.DataFrame:
        path = str(Path(db_path(db)).resolve())
        data_dir = kwargs.get("data_dir", DATA_DIR)
        key_args, key_kwargs = _arguments(sig, args, kwargs)
        frame = run(
            path,
            reader(path).version(),
            fingerprint(data_dir),
            rules_stamp(data_dir),
            current_viewer(),
            is_deferred(),
            key_args,
            key_kwargs,
        )
        return frame.copy()

    wrapper.cache_clear = run.cache_clear  # type: ignore[attr-defined]
    wrapper.uncached = fn  # type: ignore[attr-defined]
    return wrapper


def memo(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Memoise `fn(db, *args, **kwargs)` (hashable arguments) per warehouse version and viewer, without
    suppression: for results built from cached, already suppressed frames or scoped to the viewer by
    its own queries (provenance lines, period lists), which a page asks for several times a request.
    A DataFrame comes back as a copy; the bench's `clear_metrics_caches` empties it with the rest."""

    @functools.lru_cache(maxsize=MAX_ENTRIES)
    def run(path: str, version: Any, viewer: Viewer, args: tuple, kwargs: tuple) -> Any:
        del version  # part of the key only
        with viewing(viewer):
            return fn(path, *args, **dict(kwargs))

    @functools.wraps(fn)
    def wrapper(db: str | os.PathLike[str] | None = None, *args: Any, **kwargs: Any) -> Any:
        path = str(Path(db_path(db)).resolve())
        out = run(path, reader(path).version(), current_viewer(), args, tuple(sorted(kwargs.items())))
        return out.copy() if isinstance(out, pd.DataFrame) else out

    wrapper.cache_clear = run.cache_clear  # type: ignore[attr-defined]
    wrapper.memoised = True  # type: ignore[attr-defined]  # not always a frame: scans tell them apart
    wrapper.uncached = fn  # type: ignore[attr-defined]
    return wrapper
