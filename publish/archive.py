"""The public quarterly archive: dated, versioned, immutable snapshots of what the public sees.

When a service-quarter is published (`publish.workflow`), or with `servicestat archive FY QUARTER`,
every registered export is computed *as the public viewer* (scoped to published service-quarters
and small-number suppressed, exactly like the public site), cut to the rows of that fiscal quarter,
and written as CSV and Parquet with a `manifest.json` (sha256 and size of every file, the rule
texts, when) into `<db>.archive/FY2025-Q3/v1/`. A later publication that changes what the public
sees writes `v2` next to it; an existing version is never written again (a new version is built
in a hidden folder and renamed into place, under a lock), and an unchanged one is not duplicated.
Operator tables (loads, rejects, findings) and the workflow history are not archived.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from core.fiscal import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR
from core.paths import db_path
from ingest.loader import sha256_of

MANIFEST = "manifest.json"
#: Exports that are not public figures of a quarter.
NOT_ARCHIVED = frozenset({"loads", "rejects", "findings", "reporting-history"})
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
    """Every archivable export as the public sees it, cut to the quarter."""
    from metrics.access import PUBLIC, viewing
    from metrics.exports import available

    out = {}
    with viewing(PUBLIC):
        for name, fn in sorted(available().items()):
            if name in NOT_ARCHIVED:
                continue
            part = rows_of_quarter(fn(db), fiscal_year, quarter)
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


def archive_quarter(db: str | os.PathLike[str] | None, fiscal_year: int, quarter: int) -> Path:
    """Write the next version of the quarter's public archive (or return the latest if unchanged)."""
    if quarter not in (1, 2, 3, 4) or not FIRST_FISCAL_YEAR <= int(fiscal_year) <= LAST_FISCAL_YEAR:
        raise ArchiveError(f"FY{fiscal_year} Q{quarter} is not a fiscal quarter "
                           f"(FY {FIRST_FISCAL_YEAR}-{LAST_FISCAL_YEAR}, quarter 1-4)")
    from metrics.suppression import min_count, suppression_rule_text

    tables = public_tables(db, fiscal_year, quarter)
    texts = {f"{name}.csv": frame.to_csv(index=False) for name, frame in tables.items()}
    content = hashlib.sha256("".join(f"{k}\n{v}" for k, v in sorted(texts.items())).encode()).hexdigest()
    folder = quarter_folder(db, fiscal_year, quarter)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        versions = _versions(folder)
        if versions:
            latest = folder / f"v{versions[-1]}"
            if json.loads((latest / MANIFEST).read_text()).get("content_sha256") == content:
                return latest
        number = versions[-1] + 1 if versions else 1
        work = folder / f".v{number}.partial-{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        files = {}
        for name, frame in tables.items():
            (work / f"{name}.csv").write_text(texts[f"{name}.csv"])
            frame.to_parquet(work / f"{name}.parquet", index=False)
            for file in (f"{name}.csv", f"{name}.parquet"):
                files[file] = {
                    "table": name,
                    "rows": len(frame),
                    "bytes": (work / file).stat().st_size,
                    "sha256": sha256_of(work / file),
                }
        manifest = {
            "fiscal_year": int(fiscal_year),
            "quarter": int(quarter),
            "version": number,
            "created_at": datetime.now(UTC).isoformat(),
            "viewer": "public",
            "warehouse": str(Path(db_path(db)).name),
            "content_sha256": content,
            "suppression": {"min_count": min_count(), "rule": suppression_rule_text()},
            "files": files,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        for file in work.iterdir():
            file.chmod(0o444)
        target = folder / f"v{number}"
        os.rename(work, target)  # fails rather than replace if a v{number} exists
        return target
