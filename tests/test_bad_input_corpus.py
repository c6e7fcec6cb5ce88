"""The bad-input corpus: every file in tests/fixtures/bad_inputs goes wrong in one way an agency file
does, and tests/fixtures/bad_inputs/expected.csv says what ingest must make of it.

Each file is loaded into its own copy of a warehouse that already holds good rows, so that
"unchanged" means something. For each: the status and counts of the manifest; the first problem at
the manifest's (row, field) with a message that names the file, row and field; never an internal
error; a refused file leaves every fact table as it was (checksums); every rejected row is in
`rejects` with its reason and the whole raw row; and the rows that loaded are exactly the rows the
fact tables gained. A manifest row with an `xfail` reason is a known bug, kept visible.

Manifest columns: file, kind (passed as --kind when set), status (`loaded` means loaded with a
warning, and `message` is then part of that warning), rows_loaded, rows_rejected, row and field of
the first problem (blank: none), message (part of the first problem's full message), xfail, what.
"""

from __future__ import annotations

import codecs
import csv
import json
from pathlib import Path

import duckdb
import pytest

from core.schema import FACT_TABLES
from ingest.loader import LoadResult, load
from tests.conftest import FIXTURES, copy_warehouse
from tests.reliability import attached, checksums, rows

CORPUS = FIXTURES / "bad_inputs"
SEED = [FIXTURES / "ingest" / name for name in ("events_good.csv", "observations.csv", "survey.csv")]


def manifest() -> list[dict[str, str]]:
    """expected.csv; `field` and `message` may use backslash escapes (a NUL in a UTF-16 header)."""
    with open(CORPUS / "expected.csv", newline="", encoding="utf-8") as fh:
        entries = list(csv.DictReader(fh))
    for e in entries:
        for key in ("field", "message"):
            e[key] = codecs.decode(e[key], "unicode_escape")
    return entries


def case(entry: dict[str, str]) -> pytest.param:
    marks = [pytest.mark.xfail(strict=True, reason=entry["xfail"])] if entry["xfail"] else []
    return pytest.param(entry, id=entry["file"], marks=marks)


ENTRIES = manifest()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse that already holds good events, observations and survey results."""
    db = tmp_path_factory.mktemp("seed") / "seed.duckdb"
    load(SEED, db=db)
    return db


def facts(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, str], int]:
    """Checksums of the fact tables and how many rows they hold together."""
    sums = checksums(con, tables=FACT_TABLES)
    return sums, sum(int(v.split(":")[0]) for v in sums.values())


def check_messages(result: LoadResult) -> None:
    """Every message names the file, and a row's problem names its row and field."""
    for p in result.problems:
        message = p.describe(result.file_name)
        assert message.startswith(result.file_name), message
        assert "internal error" not in message, message
        if p.row_number:
            assert p.field, message
            assert message.startswith(f"{result.file_name}, row {p.row_number}, field '{p.field}': ")


def check_rejects(con: duckdb.DuckDBPyConnection, result: LoadResult) -> None:
    """Rejected rows are quarantined whole; a refused file's reasons are kept too."""
    kept = con.execute("SELECT row_number, field, value, reason, raw_row FROM rejects WHERE load_id = ?"
                       " ORDER BY row_number, field", [result.load_id]).fetchall()
    if result.rows_rejected:
        assert len({r[0] for r in kept}) == result.rows_rejected
        for row_number, field, value, reason, raw_row in kept:
            assert row_number >= 1 and field and reason
            raw = json.loads(raw_row)
            assert field in raw, (field, raw)
            if value is not None:
                assert value in raw.values(), (value, raw)
    elif result.status == "refused":
        assert [r[3] for r in kept] == [p.reason for p in result.problems]
    else:
        assert kept == []


@pytest.mark.parametrize("entry", [case(e) for e in ENTRIES])
def test_bad_input(entry: dict[str, str], seeded: Path, tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    copy_warehouse(seeded, db)
    with attached(db) as con:
        before, count_before = facts(con)

    [result] = load([CORPUS / entry["file"]], db=db, kind=entry["kind"] or None)

    reasons = [p.reason for p in result.problems] + result.warnings
    assert not any("internal error" in r for r in reasons), reasons
    assert (result.status, result.rows_loaded, result.rows_rejected) == (
        entry["status"], int(entry["rows_loaded"]), int(entry["rows_rejected"]))
    check_messages(result)
    if entry["status"] == "loaded":
        assert not result.problems
        assert any(entry["message"] in w for w in result.warnings), result.warnings
    else:
        first = result.problems[0]
        want_row = int(entry["row"]) if entry["row"] else None
        assert (first.row_number, first.field) == (want_row, entry["field"] or None)
        assert entry["message"] in first.describe(result.file_name)

    with attached(db) as con:
        after, count_after = facts(con)
        if result.status == "refused":
            assert after == before
        else:
            assert result.rows_loaded + result.rows_rejected == result.rows_read
            assert count_after == count_before + result.rows_loaded - result.rows_replaced
        assert con.execute("SELECT file_name, status FROM loads WHERE load_id = ?",
                           [result.load_id]).fetchall() == [(entry["file"], result.status)]
        check_rejects(con, result)


def test_corpus_covers_every_file_and_enough_ways() -> None:
    """The manifest and the folder agree, and the corpus stays big enough to mean something."""
    files = {p.name for p in CORPUS.iterdir() if p.is_file()} - {"expected.csv", "make_excel.py",
                                                                 ".gitattributes"}
    assert files == {e["file"] for e in ENTRIES}
    assert len(ENTRIES) >= 40
    prefixes = {e["file"].split("_")[0] for e in ENTRIES}
    assert prefixes >= {"enc", "delim", "quote", "cols", "types", "units", "values", "dup", "dates",
                        "textnum", "empty", "trunc", "wide", "excel", "kind"}


def test_excel_fixtures_are_what_their_generator_writes() -> None:
    """The committed workbooks are the generator's output, byte for byte (no stale fixture)."""
    script = CORPUS / "make_excel.py"
    namespace: dict = {"__name__": "make_excel", "__file__": str(script)}
    exec(compile(script.read_text(), str(script), "exec"), namespace)  # no __pycache__ in the corpus
    outputs = namespace["outputs"]()
    assert {name: (CORPUS / name).read_bytes() for name in outputs} == outputs


def test_refusal_reason_is_in_loads(seeded: Path, tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    copy_warehouse(seeded, db)
    [result] = load([CORPUS / "kind_unrelated_table.csv"], db=db)
    assert result.status == "refused"
    [(message,)] = rows(db, "SELECT message FROM loads WHERE load_id = ?", [result.load_id])
    assert message and "kind_unrelated_table.csv" in message and "cannot tell what kind" in message
