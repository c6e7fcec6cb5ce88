"""The real-data example: a warehouse built only from the public files shipped in `data/public/`.

The synthetic demo (`publish.demo`) shows every page at work; this one shows what ServiceStat makes of
real federal data as published (A-11 Section 280 survey results, a GPRA Annual Performance Report),
traps included. The files are loaded through ingest's public `load()`, not marked synthetic, so no
page carries the demonstration banner. Since the figures are already the public record, every
service-quarter they hold is published through the steps the workflow of data/publication.yaml
requires (`publish.workflow.publish_from_public_record`, as `servicestat ingest --published-source`
does), each move naming the file's source, read from the table in `data/public/SOURCES.md`: a
shipped file without a source row is refused rather than published anonymously.

Built like the demo: in a new file next to the target, swapped in with `os.replace`, so a rebuild
starts clean and readers see the old warehouse or the new one. The public archive of each published
quarter is computed from the new file and staged beside the target before the swap, and put in place
after it (as a workflow move does): if a quarter cannot be archived, the target is left as it was.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from core.paths import DATA_DIR
from ingest import events_dataset
from ingest.loader import LoadResult, load
from metrics.db import reader
from publish.archive import ArchiveError, Staged, commit, stage
from publish.workflow import Move, publish_from_public_record

#: The shipped real data, and the table that names the source of each file.
PUBLIC_DATA = DATA_DIR / "public"
SOURCES_FILE = "SOURCES.md"
#: Where `servicestat demo --real` builds, unless told otherwise (apart from the main warehouse).
REAL_DB = DATA_DIR / "servicestat-real.duckdb"
#: Who makes the workflow moves of the example (shown in the reporting history).
PUBLISHER = "ServiceStat real-data example"

_ROW = re.compile(r"^\|\s*`([^`|]+)`\s*\|(.*)\|\s*$")


class RealDataError(ValueError):
    """The example cannot be made: a file without a source or that did not load fully, or an archive
    that could not be built."""


@dataclass
class RealBuild:
    """What the build did: the load results, the moves recorded, the archive versions in place."""

    db: Path
    results: list[LoadResult]
    moves: list[Move]
    sources: dict[str, str]
    archives: list[Path] = field(default_factory=list)

    @property
    def quarters(self) -> list[tuple[str, int, int]]:
        """The published service-quarters, sorted."""
        return sorted({(m.service_id, m.fiscal_year, m.quarter) for m in self.moves
                       if m.state == "published"})


def read_sources(folder: str | os.PathLike[str] = PUBLIC_DATA) -> dict[str, str]:
    """File name -> source, from the Markdown table of `SOURCES.md` (the last column of each row)."""
    path = Path(folder) / SOURCES_FILE
    if not path.is_file():
        raise RealDataError(f"{path} is missing: it must name the source of every shipped file")
    sources = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            cells = [c.strip() for c in match.group(2).split("|")]
            sources[match.group(1).strip()] = cells[-1].replace("`", "")
    return sources


def shipped_files(folder: str | os.PathLike[str] = PUBLIC_DATA) -> list[Path]:
    """The data files of `folder` (every file but SOURCES.md), sorted by name."""
    return sorted(p for p in Path(folder).iterdir() if p.is_file() and p.name != SOURCES_FILE
                  and not p.name.startswith("."))


def build_real_demo(db: str | os.PathLike[str] = REAL_DB,
                    files: Iterable[str | os.PathLike[str]] | None = None,
                    sources: Mapping[str, str] | None = None,
                    archive: bool = True) -> RealBuild:
    """Load the shipped public files (or `files`, each named in `sources`) into a fresh warehouse at
    `db`, publish every service-quarter they hold and (with `archive`) archive each published quarter.

    Raises RealDataError (and leaves `db` as it was) if a file has no source or does not load fully,
    or if a quarter's public archive cannot be built.
    """
    db = Path(db)
    paths = [Path(f) for f in files] if files is not None else shipped_files()
    named = dict(read_sources() if sources is None else sources)
    nameless = [p.name for p in paths if p.name not in named]
    if nameless:
        raise RealDataError(f"no source is named for {', '.join(nameless)} (add a row to "
                            f"{PUBLIC_DATA / SOURCES_FILE})")
    db.parent.mkdir(parents=True, exist_ok=True)
    fresh = db.with_name(f"{db.name}.real-{os.getpid()}")
    extras = [fresh.with_name(fresh.name + suffix) for suffix in ("", ".lock", ".wal")]
    for p in extras:
        p.unlink(missing_ok=True)
    staged: list[Staged] = []
    try:
        results = load(paths, db=fresh, synthetic=False)
        bad = [r for r in results if r.status != "loaded"]
        if bad:
            raise RealDataError("the shipped real data did not load fully:\n" + "\n".join(
                f"{r.file_name}: {r.status} ({r.rows_rejected} of {r.rows_read} rows rejected)"
                + "".join(f"\n  {p.describe(r.file_name)}" for p in r.problems[:5]) for r in bad))
        moves: list[Move] = []
        for r in results:  # one source per file; the archive is staged below, beside `db`
            moves += publish_from_public_record(fresh, [r.load_id], named[r.file_name], by=PUBLISHER,
                                                archive=False)
        if archive:
            staged = _stage_archives(db, fresh, moves)
        with open(db.with_name(db.name + ".lock"), "a+") as lock:  # wait for any writer of `db`
            fcntl.flock(lock, fcntl.LOCK_EX)
            db.with_name(db.name + ".wal").unlink(missing_ok=True)
            events_dataset.move(fresh, db)
            os.replace(fresh, db)
    except BaseException:
        for one in staged:
            one.discard()
        raise
    finally:
        shutil.rmtree(events_dataset.dataset_dir(fresh), ignore_errors=True)
        for p in extras:
            p.unlink(missing_ok=True)
    build = RealBuild(db, results, moves, {p.name: named[p.name] for p in paths})
    for i, one in enumerate(staged):
        try:
            build.archives.append(commit(one))
        except ArchiveError as exc:  # after the swap: rare (a rename); say how to finish
            for rest in staged[i + 1:]:
                rest.discard()
            raise RealDataError(f"the warehouse is built and published, but an archive could not be put in"
                                f" place ({exc}); write it with: servicestat archive FY Q --db {db}") from exc
    return build


def _stage_archives(db: Path, fresh: Path, moves: list[Move]) -> list[Staged]:
    """The public archive of every published quarter, computed from `fresh` and staged in `db`'s archive
    folder before the swap, so that a quarter that cannot be archived leaves `db` as it was."""
    staged: list[Staged] = []
    try:
        quarters = sorted({(m.fiscal_year, m.quarter) for m in moves if m.state == "published"})
        for fiscal_year, quarter in quarters:
            staged.append(stage(db, fiscal_year, quarter, source=fresh))
    except ArchiveError as exc:
        for one in staged:
            one.discard()
        raise RealDataError(f"the public archive could not be built, so nothing was replaced: {exc}") from exc
    finally:
        reader(fresh).close()  # the file is about to be renamed; no reader may keep it open
    return staged
