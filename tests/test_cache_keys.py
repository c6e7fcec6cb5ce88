"""metrics.cache: one call is one cache entry however it is spelt, and a frame that pools services is
built once for a viewer who gets it suppressed (not a second, unsuppressed time that nothing uses)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from core.paths import DATA_DIR
from ingest.warehouse import initialise
from metrics.access import OMB, PUBLIC, viewing
from metrics.cache import cached
from metrics.suppression import deferred

built: list[tuple] = []  # what each build was asked for, in order


@cached
def by_grain(db: str | os.PathLike[str] | None = None, grain: str = "quarter", by_channel: bool = True,
             data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    built.append((grain, by_channel, str(data_dir)))
    return pd.DataFrame({"grain": [grain], "by_channel": [by_channel]})


@cached
def pooled(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Pools services (no service_id): built from suppressed parts."""
    built.append(("pooled",))
    return pd.DataFrame({"period": ["FY2024 Q1"], "n": [3], "agree": [2]})


@cached
def per_service(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One service per row with an n: suppressed as a whole from its unsuppressed build."""
    built.append(("per_service",))
    return pd.DataFrame({"service_id": ["a", "a"], "channel": ["x", "y"], "n": [3, 40], "agree": [2, 30]})


@pytest.fixture
def warehouse(db: Path) -> Path:
    built.clear()
    for fn in (by_grain, pooled, per_service):
        fn.cache_clear()
    return initialise(db)


def test_one_entry_however_the_arguments_are_spelt(warehouse):
    with viewing(OMB):
        spellings = [by_grain(warehouse), by_grain(warehouse, "quarter"),
                     by_grain(warehouse, grain="quarter"), by_grain(warehouse, "quarter", True, DATA_DIR),
                     by_grain(warehouse, data_dir=DATA_DIR), by_grain(warehouse, data_dir=str(DATA_DIR)),
                     by_grain(warehouse, by_channel=True)]
        assert built == [("quarter", True, str(DATA_DIR))]
        assert all(frame.equals(spellings[0]) for frame in spellings)
        assert by_grain(warehouse, "year")["grain"].tolist() == ["year"]
        assert by_grain(warehouse, by_channel=False)["by_channel"].tolist() == [False]
        by_grain(warehouse, grain="year")
        assert len(built) == 3  # "year" once, by_channel=False once


def test_a_pooled_frame_is_built_once_per_viewer_after_its_shape_is_known(warehouse):
    with viewing(PUBLIC):
        first = pooled(warehouse)
        assert built == [("pooled",), ("pooled",)]  # unknown shape: unsuppressed first, as before
        pooled.cache_clear()  # a new warehouse version: the shape is a fact of the code, kept
        built.clear()
        again = pooled(warehouse)
        assert built == [("pooled",)]
        pd.testing.assert_frame_equal(first, again)
        assert again["suppressed"].tolist() == [True] and again["n"].isna().all()  # n 3 < 10
        with deferred():  # the unsuppressed frame is still there for whoever asks
            assert pooled(warehouse)["n"].tolist() == [3]


def test_a_per_service_frame_is_still_suppressed_as_a_whole(warehouse):
    with viewing(PUBLIC):
        for _ in range(2):
            per_service.cache_clear()
            built.clear()
            frame = per_service(warehouse)
            assert built == [("per_service",)]  # the unsuppressed build, suppressed once
            assert frame["suppressed"].tolist() == [True, True]  # n 3, and its complement
