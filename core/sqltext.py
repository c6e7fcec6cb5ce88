"""Quoting for the few places that must build SQL text (DDL, file paths, generated macros).

Values that can be parameters are passed as parameters; these are for names and literals that
DuckDB does not accept as parameters.
"""

from __future__ import annotations

import os


def literal(text: str | os.PathLike[str]) -> str:
    """A single-quoted SQL string literal: `it's` -> `'it''s'`."""
    return "'" + str(text).replace("'", "''") + "'"


def ident(name: str) -> str:
    """A double-quoted SQL identifier, inner double quotes doubled."""
    return '"' + str(name).replace('"', '""') + '"'
