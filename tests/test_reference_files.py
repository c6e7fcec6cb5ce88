"""tests.conftest.reference: a missing reference file skips the test on a clone, fails it under CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import conftest
from tests.conftest import reference


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A reference folder holding one file, `present.csv`, in place of ../shared/reference/."""
    (tmp_path / "present.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    monkeypatch.setattr(conftest, "REFERENCE", tmp_path)
    return tmp_path


def _ci(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)


@pytest.mark.parametrize("ci", [None, "true", "false"])
def test_a_present_file_is_returned(folder: Path, monkeypatch: pytest.MonkeyPatch, ci: str | None) -> None:
    _ci(monkeypatch, ci)
    assert reference("present.csv") == folder / "present.csv"


@pytest.mark.parametrize("ci", [None, "false", "1"])
def test_a_missing_file_skips_outside_ci(folder: Path, monkeypatch: pytest.MonkeyPatch,
                                         ci: str | None) -> None:
    _ci(monkeypatch, ci)
    with pytest.raises(pytest.skip.Exception, match="reference file absent.csv is missing") as raised:
        reference("absent.csv")
    assert str(folder / "absent.csv") in str(raised.value)


@pytest.mark.parametrize("ci", ["true", "TRUE"])
def test_a_missing_file_fails_under_ci(folder: Path, monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    _ci(monkeypatch, ci)
    with pytest.raises(pytest.fail.Exception, match="reference file absent.csv is missing.*CI=true"):
        reference("absent.csv")


def test_a_folder_of_that_name_is_not_a_file(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (folder / "sub").mkdir()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="reference file sub is missing"):
        reference("sub")
