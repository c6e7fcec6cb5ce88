"""The kinds of file ingest understands, registered in one explicit list.

Each kind is declared once, in its own module: columns, how values are read, the checks that
quarantine a row, the key that must be unique in a file, and which earlier rows a corrected file
replaces (see `ingest.kind_base.Kind`).
"""

from __future__ import annotations

from ingest import a11, a11_v2, generic_kinds, gpra, hisp2020
from ingest.kind_base import Kind

KINDS: dict[str, Kind] = {
    k.name: k for k in (*generic_kinds.KINDS, a11.KIND, a11_v2.KIND, gpra.KIND, *hisp2020.KINDS)}


def detect(columns: set[str]) -> Kind | None:
    """The kind whose required columns the file has (after aliases), best match first."""
    best: tuple[float, Kind] | None = None
    for kind in KINDS.values():
        have = {kind.aliases.get(c, c) for c in columns}
        missing = set(kind.required) - have
        if not missing:
            score = len(have & kind.known_columns) / max(len(kind.known_columns), 1)
            if best is None or score > best[0]:
                best = (score, kind)
    return best[1] if best else None
