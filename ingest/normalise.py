"""Normalisers for the text agencies write: numbers, shares, durations, timestamps, labels.

They run inside DuckDB as macros so that ten million rows are normalised at DuckDB's speed.
`install(con)` creates them on a connection; the rules for unit words come from data/units.yaml.
"""

from __future__ import annotations

import duckdb

from core.sqltext import literal
from core.vocab import unit_aliases

# A number as agencies write it: 12, -3.5, 1e6, "8,586,476", "$1,200.50". Commas only as thousands
# separators, so the European "3,5" is refused rather than read as 35.
NUMBER_RE = r"^-?\$?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][-+]?\d+)?$"
# value followed by a unit word: "15 min", "17%", "6.48 business days".
VALUE_UNIT_RE = r"^\s*([-+]?\$?[0-9][0-9.,]*(?:[eE][-+]?[0-9]+)?)\s*([^0-9].*?)?\s*$"
#: The characters padding a cell (code points): space, tab, line feed, carriage return, no-break space.
PAD_CODEPOINTS = (32, 9, 10, 13, 160)
#: Them as a regular-expression class and as the character argument of DuckDB's trim().
PAD_CLASS = "[" + "".join(f"\\x{{{c:02x}}}" for c in PAD_CODEPOINTS) + "]"
PAD_CHARS_SQL = " || ".join(f"chr({c})" for c in PAD_CODEPOINTS)
TIMESTAMP_FORMATS = [
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
]


def minute_factors_map() -> str:
    """A DuckDB MAP literal: duration unit word -> factor into minutes."""
    pairs = [
        f"{literal(alias)}: {factor!r}"
        for alias, (canonical, factor) in unit_aliases().items()
        if canonical == "minutes"
    ]
    return "MAP {" + ", ".join(pairs) + "}"


def install(con: duckdb.DuckDBPyConnection) -> None:
    formats = "[" + ", ".join(literal(f) for f in TIMESTAMP_FORMATS) + "]"
    con.execute(
        f"""
        -- trim() with a set of characters costs about 0.1 s a million cells; a regular expression finds
        -- the cells with padding (few) and only those are trimmed; blank is one full match
        CREATE OR REPLACE TEMP MACRO ss_trim(x) AS CASE
            WHEN regexp_matches(x, '^{PAD_CLASS}|{PAD_CLASS}$')
                THEN trim(x, {PAD_CHARS_SQL})
            ELSE x END;
        CREATE OR REPLACE TEMP MACRO ss_blank(x) AS x IS NULL OR regexp_full_match(x, '{PAD_CLASS}*');
        CREATE OR REPLACE TEMP MACRO ss_label(x) AS
            regexp_replace(lower(trim(x)), '[\\s_\\-]+', ' ', 'g');
        CREATE OR REPLACE TEMP MACRO ss_finite(v) AS CASE WHEN isfinite(v) THEN v END;
        -- the plain cast first (it reads a number with or without padding DuckDB ignores, which is
        -- what almost every cell is), then the same cast after trimming every padding character
        CREATE OR REPLACE TEMP MACRO ss_number(x) AS CASE
            WHEN TRY_CAST(x AS DOUBLE) IS NOT NULL THEN ss_finite(TRY_CAST(x AS DOUBLE))
            WHEN ss_blank(x) THEN NULL
            WHEN TRY_CAST(ss_trim(x) AS DOUBLE) IS NOT NULL THEN ss_finite(TRY_CAST(ss_trim(x) AS DOUBLE))
            WHEN regexp_full_match(ss_trim(x), {literal(NUMBER_RE)})
                THEN ss_finite(TRY_CAST(replace(replace(ss_trim(x), ',', ''), '$', '') AS DOUBLE))
            WHEN regexp_full_match(ss_trim(x), '^-?[0-9]+(\\.[0-9]+)?\\s*%$')
                THEN TRY_CAST(rtrim(ss_trim(x), '% ') AS DOUBLE) / 100
            END;
        CREATE OR REPLACE TEMP MACRO ss_value_part(x) AS regexp_extract(x, {literal(VALUE_UNIT_RE)}, 1);
        CREATE OR REPLACE TEMP MACRO ss_unit_part(x) AS
            ss_label(regexp_extract(x, {literal(VALUE_UNIT_RE)}, 2));
        CREATE OR REPLACE TEMP MACRO ss_minutes(x, factor) AS coalesce(
            ss_finite(TRY_CAST(x AS DOUBLE) * factor),
            ss_finite(TRY_CAST(ss_trim(x) AS DOUBLE) * factor),
            CASE
            WHEN ss_blank(x) THEN NULL
            WHEN regexp_full_match(ss_trim(x), '^[0-9]+:[0-5][0-9](:[0-5][0-9](\\.[0-9]+)?)?$')
                THEN TRY_CAST(string_split(ss_trim(x), ':')[1] AS DOUBLE) * 60
                   + TRY_CAST(string_split(ss_trim(x), ':')[2] AS DOUBLE)
                   + coalesce(TRY_CAST(string_split(ss_trim(x), ':')[3] AS DOUBLE), 0) / 60
            ELSE ss_finite(ss_number(ss_value_part(ss_trim(x)))
                           * {minute_factors_map()}[ss_unit_part(ss_trim(x))])
            END);
        -- the plain cast first: it is what almost every row needs, and it is fast
        CREATE OR REPLACE TEMP MACRO ss_ts(x) AS coalesce(
            TRY_CAST(x AS TIMESTAMP),
            CASE WHEN NOT ss_blank(x) THEN
                coalesce(TRY_CAST(trim(x) AS TIMESTAMP), try_strptime(trim(x), {formats})) END);
        CREATE OR REPLACE TEMP MACRO ss_int(x) AS CASE
            WHEN ss_number(x) = round(ss_number(x)) AND abs(ss_number(x)) < 9e15
                THEN ss_number(x)::BIGINT
            END;
        """
    )
