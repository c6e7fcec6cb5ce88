"""The public quarterly archive: dated, versioned, immutable snapshots of what the public sees.

When a service-quarter is published (`publish.workflow`), or with `servicestat archive FY QUARTER`,
every registered export is computed *as the public viewer* (scoped to published service-quarters
and small-number suppressed, exactly like the public site), cut to the rows of that fiscal quarter,
and written as CSV and Parquet with a `manifest.json` (sha256 and size of every file, the rule
texts, when) into `<db>.archive/FY2025-Q3/v1/`. A later publication that changes what the public
sees writes `v2` next to it; an existing version is never written again (a new version is built
in a hidden folder and renamed into place, under a lock), and an unchanged one is not duplicated.
Operator tables (loads, rejects, findings) and the workflow history are not archived.

Writing is two steps so that a workflow move and its archive succeed or fail together: `stage`
computes every table (from `source`, a copy of the warehouse as it will be) and writes the files
into a hidden folder; `commit` numbers the version and renames it into place. The workflow stages
before it swaps the new state in (a failure leaves the warehouse as it was) and commits after.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from core.fiscal import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR
from core.paths import db_path
from core.safe_text import neutralise_frame
from ingest.loader import sha256_of
from metrics.access import PUBLIC, viewing
from metrics.exports import available
from metrics.registry import TABLES
from metrics.suppression import min_count, suppression_rule_text

MANIFEST = "manifest.json"
#: Exports that are not public figures of a quarter: the staff-only operator tables (metrics.registry)
#: and the workflow history.
NOT_ARCHIVED = frozenset({t.name for t in TABLES.values() if t.staff_only} | {"reporting-history"})
_VERSION = re.compile(r"^v(\d+)$")


class ArchiveError(Exception):
    """An archive cannot be written or does not verify; the message names the file and why."""


def archive_root(db: str | os.PathLike[str] | None) -> Path:
    """The archive folder next to the warehouse: `<db>.archive`."""
    path = Path(db_path(db))
    return path.with_name(path.name + ".archive")


def quarter_folder(db: str | os.PathLike[str] | None, fiscal_year: int, quarter: int) -> Path:
    return archive_root(db) / f"FY{fiscal_year}-Q{quarter}"


def rows_of_quarter(frame: pd.DataFrame, fiscal_year: int, quarter: int) -> pd.DataFrame | None:
    """The rows of one fiscal quarter, or None when the frame has no quarterly rows to cut."""
    if {"fiscal_year", "quarter"} <= set(frame.columns):
        keep = (pd.to_numeric(frame["fiscal_year"], errors="coerce") == fiscal_year) & (
            pd.to_numeric(frame["quarter"], errors="coerce") == quarter
        )
    elif "period" in frame.columns:
        keep = frame["period"].astype("object") == f"FY{fiscal_year} Q{quarter}"
    else:
        return None
    return frame[keep.fillna(False).to_numpy(dtype=bool)].reset_index(drop=True)


def public_tables(
    db: str | os.PathLike[str] | None, fiscal_year: int, quarter: int
) -> dict[str, pd.DataFrame]:
    """Every archivable export as the public sees it, cut to the quarter; a table that cannot be
    computed raises ArchiveError naming the table and the cause (no archive is better than a
    silently incomplete one)."""
    out = {}
    with viewing(PUBLIC):
        for name, fn in sorted(available().items()):
            if name in NOT_ARCHIVED:
                continue
            try:
                part = rows_of_quarter(fn(db), fiscal_year, quarter)
            except Exception as exc:
                raise ArchiveError(
                    f"FY{fiscal_year} Q{quarter}: table {name} could not be computed:"
                    f" {type(exc).__name__}: {exc}"
                ) from exc
            if part is not None:
                out[name] = part
    return out


def _versions(folder: Path) -> list[int]:
    return sorted(int(m.group(1)) for p in folder.glob("v*") if p.is_dir() and (m := _VERSION.match(p.name)))


def versions(db: str | os.PathLike[str] | None) -> list[dict]:
    """Every archived version (oldest first per quarter): fiscal_year, quarter, version, created_at,
    path and files, read from the manifests (not verified: `verify` does that before serving)."""
    out = []
    root = archive_root(db)
    for folder in sorted(root.glob("FY*-Q*")) if root.is_dir() else []:
        for number in _versions(folder):
            manifest = json.loads((folder / f"v{number}" / MANIFEST).read_text())
            out.append(
                {
                    "fiscal_year": manifest["fiscal_year"],
                    "quarter": manifest["quarter"],
                    "version": number,
                    "created_at": manifest["created_at"],
                    "path": folder / f"v{number}",
                    "files": sorted(manifest["files"]),
                }
            )
    return out


def verify(version_dir: str | os.PathLike[str]) -> dict:
    """The manifest, after checking every file it lists against its sha256 and size."""
    folder = Path(version_dir)
    path = folder / MANIFEST
    if not path.is_file():
        raise ArchiveError(f"{folder} has no {MANIFEST}: not an archive version")
    manifest = json.loads(path.read_text())
    problems = []
    for name, entry in manifest["files"].items():
        file = folder / name
        if not file.is_file():
            problems.append(f"{name} is missing")
        elif sha256_of(file) != entry["sha256"] or file.stat().st_size != entry["bytes"]:
            problems.append(
                f"{name} does not match its sha256 in the manifest (changed since it was archived)"
            )
    if problems:
        raise ArchiveError(f"{folder}: " + "; ".join(problems))
    return manifest


@dataclass(frozen=True)
class Staged:
    """A built, not yet numbered, archive version in a hidden folder of its quarter's folder."""

    folder: Path  # the quarter's folder, FY2025-Q3
    work: Path  # the hidden folder with the files
    content: str  # sha256 of the tables' CSV texts: an unchanged quarter is not archived again

    def discard(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)


def _check_quarter(fiscal_year: int, quarter: int) -> None:
    if quarter not in (1, 2, 3, 4) or not FIRST_FISCAL_YEAR <= int(fiscal_year) <= LAST_FISCAL_YEAR:
        raise ArchiveError(f"FY{fiscal_year} Q{quarter} is not a fiscal quarter "
                           f"(FY {FIRST_FISCAL_YEAR}-{LAST_FISCAL_YEAR}, quarter 1-4)")


def stage(
    db: str | os.PathLike[str] | None,
    fiscal_year: int,
    quarter: int,
    source: str | os.PathLike[str] | None = None,
) -> Staged:
    """Compute the quarter's public tables from `source` (default: `db` itself) and write them, with
    their manifest, into a hidden folder of `db`'s archive; ArchiveError names what failed."""
    _check_quarter(fiscal_year, quarter)
    tables = public_tables(db if source is None else source, fiscal_year, quarter)
    texts = {f"{name}.csv": neutralise_frame(frame).to_csv(index=False) for name, frame in tables.items()}
    content = hashlib.sha256("".join(f"{k}\n{v}" for k, v in sorted(texts.items())).encode()).hexdigest()
    folder = quarter_folder(db, fiscal_year, quarter)
    work = folder / f".staged-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    table = "-"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        work.mkdir()
        files = {}
        for table, frame in tables.items():
            (work / f"{table}.csv").write_text(texts[f"{table}.csv"])
            frame.to_parquet(work / f"{table}.parquet", index=False)
            for file in (f"{table}.csv", f"{table}.parquet"):
                files[file] = {
                    "table": table,
                    "rows": len(frame),
                    "bytes": (work / file).stat().st_size,
                    "sha256": sha256_of(work / file),
                }
        manifest = {
            "fiscal_year": int(fiscal_year),
            "quarter": int(quarter),
            "version": None,  # set by commit
            "created_at": None,
            "viewer": "public",
            "warehouse": str(Path(db_path(db)).name),
            "content_sha256": content,
            "suppression": {"min_count": min_count(), "rule": suppression_rule_text()},
            "files": files,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    except Exception as exc:
        shutil.rmtree(work, ignore_errors=True)
        what = "the archive folder" if table == "-" else f"table {table}"
        raise ArchiveError(
            f"FY{fiscal_year} Q{quarter}: {what} could not be written to {folder}:"
            f" {type(exc).__name__}: {exc}"
        ) from exc
    return Staged(folder, work, content)


def commit(staged: Staged) -> Path:
    """Number a staged version and rename it into place (under the quarter's lock); when its content
    equals the latest version's, discard it and return that version instead."""
    folder = staged.folder
    try:
        with open(folder / ".lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            numbers = _versions(folder)
            if numbers:
                latest = folder / f"v{numbers[-1]}"
                if json.loads((latest / MANIFEST).read_text()).get("content_sha256") == staged.content:
                    staged.discard()
                    return latest
            number = numbers[-1] + 1 if numbers else 1
            manifest = json.loads((staged.work / MANIFEST).read_text())
            manifest.update(version=number, created_at=datetime.now(UTC).isoformat())
            (staged.work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
            for file in staged.work.iterdir():
                file.chmod(0o444)
            target = folder / f"v{number}"
            os.rename(staged.work, target)  # fails rather than replace if a v{number} exists
            return target
    except OSError as exc:
        staged.discard()
        raise ArchiveError(f"{folder}: the new version could not be put in place: {exc}") from exc


def archive_quarter(db: str | os.PathLike[str] | None, fiscal_year: int, quarter: int) -> Path:
    """Write the next version of the quarter's public archive (or return the latest if unchanged)."""
    return commit(stage(db, fiscal_year, quarter))
