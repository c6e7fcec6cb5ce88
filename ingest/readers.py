"""Read an agency file of any supported format into one all-text staging table.

Everything is staged as text so that ingest, not the reader, decides what a value means and can
quarantine a bad value with the exact text the agency sent. The staging table keeps the file's row
order, so `rowid + 1` is the data-row number used in every message.
"""

from __future__ import annotations

import codecs
import csv
import logging
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from core.sqltext import ident, literal
from ingest.problems import MAX_REASON_CHARS, FileRefused, Problem, short

log = logging.getLogger("servicestat.ingest")

#: Most columns a file may have. No kind declares more than a few dozen; a header of thousands of
#: columns is a mistake or an attack (20,000 columns held a server worker for 20 s), so it is
#: refused before it is staged.
MAX_COLUMNS = 500
#: Bytes of a CSV file read to count its header's columns before staging.
HEADER_PROBE_BYTES = 1 << 20

FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".ndjson": "json",
    ".jsonl": "json",
    ".xlsx": "excel",
    ".xls": "excel",
    ".xlsm": "excel",
    ".ods": "excel",
}


@dataclass
class Staged:
    """The staging table `staged` exists on the connection; these are facts about it."""

    columns: list[str]
    original_columns: dict[str, str]
    rows: int
    warnings: list[str] = field(default_factory=list)


def normalise_column(name: str) -> str:
    """'Service ID ' -> 'service_id'; strips BOMs and quotes agencies leave in headers."""
    name = str(name).replace("\ufeff", "").strip().strip('"').strip().lower()
    return re.sub(r"[^0-9a-z]+", "_", name).strip("_")


def reader_reason(exc: BaseException, name: str, *paths: Path) -> str:
    """A reader library's error as a short reason for the agency: its opening sentences, with the
    server's paths (a temporary folder, for uploads) replaced by the file's name, and no dump of
    what was tried. The whole error goes to the server log."""
    log.info("reading %s failed: %s", name, exc)
    text = str(exc)
    for path in paths:
        text = text.replace(str(path), name)
    text = re.sub(re.escape(tempfile.gettempdir()) + r"/[^\s\"']*", name, text)
    kept = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("The search space", "Possible fixes", "* ", "Sniffing", "LINE ")):
            break
        kept.append(line)
    # Room for the sentence the reason goes into ("the file cannot be read as CSV: ...").
    return short(re.sub(r"^[A-Za-z ]*Error: ", "", " ".join(kept)) or type(exc).__name__,
                 MAX_REASON_CHARS - 60)


def _csv_header_columns(path: Path) -> int:
    """How many columns the first line of a CSV file has (with the delimiter that gives the most),
    read from at most HEADER_PROBE_BYTES: enough to refuse a huge header before DuckDB reads it."""
    with open(path, "rb") as fh:
        head = fh.read(HEADER_PROBE_BYTES)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="replace")
    else:
        text = head.decode("utf-8", errors="replace")
    first = text.splitlines()[0] if text else ""
    return max(len(next(csv.reader([first], delimiter=d), [])) for d in ",;|\t")


def _refuse_wide(name: str, columns: int) -> None:
    if columns > MAX_COLUMNS:
        raise FileRefused(name, [Problem(
            f"the header has {columns} columns; a file may have at most {MAX_COLUMNS}", row_number=0)])


def _transcode_to_utf8(path: Path, tmpdir: Path) -> tuple[Path, str]:
    """Agency exports are often UTF-16 (Excel 'Unicode text') or Windows-1252: convert, and say so."""
    raw = path.read_bytes()
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, encoding = raw.decode("utf-16"), "UTF-16"
    else:
        text, encoding = raw.decode("cp1252", errors="replace"), "Windows-1252"
    out = tmpdir / (path.stem + ".utf8.csv")
    out.write_text(text, encoding="utf-8")
    return out, f"the file is not UTF-8; it was read as {encoding}"


def _stage_csv(con: duckdb.DuckDBPyConnection, path: Path, name: str) -> list[str]:
    warnings: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        source = path
        head = path.read_bytes()[:4]
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            source, note = _transcode_to_utf8(path, Path(tmp))
            warnings.append(note)
        for attempt in range(2):
            try:
                con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
                con.execute(
                    f"CREATE OR REPLACE TEMP TABLE staged AS SELECT * FROM read_csv({literal(source)},"
                    " all_varchar=true, header=true, store_rejects=true,"
                    " null_padding=false, strict_mode=true)"
                )
            except duckdb.InvalidInputException as exc:
                reason = reader_reason(exc, name, path, source)
                raise FileRefused(name, [Problem(f"the file cannot be read as CSV: {reason}")]) from exc
            errors = con.execute(
                "SELECT line, column_name, error_type, csv_line, error_message FROM reject_errors"
                " QUALIFY row_number() OVER (PARTITION BY line ORDER BY column_idx) = 1"
                " ORDER BY line LIMIT 1000"
            ).fetchall()
            if attempt == 0 and any(e[2] == "INVALID ENCODING" for e in errors):
                # Not UTF-8: read it again as the Windows code page Excel exports use.
                source, note = _transcode_to_utf8(path, Path(tmp))
                warnings.append(note)
                continue
            break
    if errors:
        problems = [
            Problem(
                f"line {line} of the file is malformed ({etype.lower()}): {short(message or '', 200)}; "
                "the file's structure is broken, so none of it is loaded",
                field=column or None,
                value=(csv_line or "")[:200],
            )
            for line, column, etype, csv_line, message in errors
        ]
        raise FileRefused(name, problems)
    return warnings


def _stage_dataframe(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> None:
    frame = frame.astype("string")
    con.register("_frame", frame)
    con.execute("CREATE OR REPLACE TEMP TABLE staged AS SELECT * FROM _frame")
    con.unregister("_frame")


def stage(con: duckdb.DuckDBPyConnection, path: Path, name: str | None = None) -> Staged:
    """Create temp table `staged` (all VARCHAR, normalised column names) from the file at `path`."""
    name = name or path.name
    if not path.exists():
        raise FileRefused(name, [Problem("the file does not exist")])
    if path.is_dir():
        raise FileRefused(name, [Problem("this is a folder, not a file")])
    if path.stat().st_size == 0:
        raise FileRefused(name, [Problem("the file is empty (0 bytes)")])
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise FileRefused(
            name,
            [Problem(f"unsupported file type '{path.suffix}'; use CSV, Parquet, JSON or Excel")],
        )
    if fmt == "csv":
        _refuse_wide(name, _csv_header_columns(path))
    warnings: list[str] = []
    try:
        if fmt == "csv":
            warnings += _stage_csv(con, path, name)
        elif fmt == "parquet":
            con.execute(
                "CREATE OR REPLACE TEMP TABLE staged AS SELECT COLUMNS(*)::VARCHAR"
                f" FROM read_parquet({literal(path)})"
            )
        elif fmt == "json":
            con.execute(
                "CREATE OR REPLACE TEMP TABLE staged AS SELECT *"
                f" FROM read_json({literal(path)}, format='auto', sample_size=-1)"
            )
            # A field that mixes strings with numbers or lists is typed JSON: take its strings
            # without their JSON quotes, as every other reader gives text.
            columns = con.execute("SELECT column_name, column_type FROM (DESCRIBE staged)").fetchall()
            as_text = ", ".join(
                (f"json_extract_string({q}, '$')" if t == "JSON" else f"{q}::VARCHAR") + f" AS {q}"
                for q, t in ((ident(c), t) for c, t in columns)
            )
            con.execute(f"CREATE OR REPLACE TEMP TABLE staged AS SELECT {as_text} FROM staged")
        else:
            frame = pd.read_excel(path, sheet_name=0, dtype=str, engine="calamine")
            _stage_dataframe(con, frame)
    except FileRefused:
        raise
    except Exception as exc:  # any reader failure is the file's fault, not a crash
        label = {"parquet": "Parquet", "json": "JSON", "excel": "an Excel workbook"}.get(fmt, fmt)
        reason = reader_reason(exc, name, path)
        raise FileRefused(name, [Problem(f"the file cannot be read as {label}: {reason}")]) from exc

    described = con.execute("DESCRIBE staged").fetchall()
    _refuse_wide(name, len(described))
    original = [row[0] for row in described]
    normalised = [normalise_column(c) for c in original]
    seen: dict[str, str] = {}
    problems = []
    for orig, norm in zip(original, normalised, strict=True):
        if not norm:
            continue
        if norm in seen:
            problems.append(
                Problem(f"the header names column '{norm}' twice ('{seen[norm]}' and '{orig}')",
                        row_number=0, field=orig)
            )
        seen[norm] = orig
    if problems:
        raise FileRefused(name, problems)
    if not any(normalised):
        raise FileRefused(name, [Problem("the header has no column names", row_number=0)])
    for o, n in zip(original, normalised, strict=True):
        quoted = ident(o)
        if not n:
            con.execute(f"ALTER TABLE staged DROP COLUMN {quoted}")
        elif n != o:
            con.execute(f'ALTER TABLE staged RENAME COLUMN {quoted} TO "{n}"')
    rows = con.execute("SELECT count(*) FROM staged").fetchone()[0]
    if rows == 0:
        raise FileRefused(name, [Problem("the file has a header but no data rows")])
    return Staged(
        columns=[n for n in normalised if n],
        original_columns={n: o for o, n in zip(original, normalised, strict=True) if n},
        rows=rows,
        warnings=warnings,
    )
