"""File downloads of every table the site shows: ``/download/<name>.<csv|json|parquet>``.

The tables are the registry's (``metrics.registry``, by name or former name), built through the
metrics layer in the request, so a download holds exactly what the requesting viewer may see, as the
pages and the API do (``/api/v1/NAME?format=csv`` pages through the same rows). An
unknown table is a 404 and an unknown format a 400, each with a plain-text message saying what
exists; a missing warehouse is a 503. Never a 500 for a bad address. A staff-only table (operator
data: loads, rejects, findings) does not exist for the public: 404, as an unknown name.
"""

from __future__ import annotations

import io

import duckdb
import flask
import pandas as pd

from metrics.db import WarehouseMissing
from metrics.exports import write
from metrics.registry import open_names, open_tables, table
from metrics.suppression import suppressed_label

FORMATS: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
}


def download_path(name: str, fmt: str) -> str:
    """The URL of one download, for links on the pages."""
    return f"/download/{name}.{fmt}"


def file_name(name: str, fmt: str) -> str:
    return f"servicestat-{name}.{fmt}"


def _text_error(message: str, status: int) -> flask.Response:
    return flask.Response(message + "\n", status=status, mimetype="text/plain")


def label_suppressed(frame: pd.DataFrame) -> pd.DataFrame:
    """In text formats a suppressed row's missing figures read `suppressed_label()`, as on the pages.

    Parquet keeps typed columns: there the figures are null and the `suppressed` column says why.
    """
    if "suppressed" not in frame or not frame["suppressed"].fillna(False).astype(bool).any():
        return frame
    out = frame.astype(object)
    mask = frame["suppressed"].fillna(False).astype(bool).to_numpy()
    label = suppressed_label()
    for column in out.columns:
        missing = out[column].isna().to_numpy() & mask
        if missing.any():
            out.loc[missing, column] = label
    return out


def render(name: str, fmt: str, db: str | None) -> tuple[bytes, str]:
    """The bytes and media type of table `name` as `fmt` (KeyError / ValueError for bad ones)."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    frame = table(name).frame(db)
    if fmt == "parquet":
        buffer = io.BytesIO()
        write(frame, "parquet", buffer)  # type: ignore[arg-type]  # pandas writes to file objects too
        return buffer.getvalue(), FORMATS[fmt]
    text = write(label_suppressed(frame), fmt, None) or ""
    return text.encode("utf-8"), FORMATS[fmt]


def register_downloads(server: flask.Flask) -> None:
    """Add the ``/download/<name>.<format>`` route to the app's Flask server."""

    @server.route("/download/<path:filename>")
    def download(filename: str) -> flask.Response:
        name, dot, fmt = filename.rpartition(".")
        if not dot or not name:
            return _text_error(
                f"Not found: {filename!r} is not a download. Addresses look like "
                f"/download/<table>.<format>, e.g. /download/benchmarks.csv; see /data for the list.", 404)
        if name not in open_names():
            return _text_error(
                f"Not found: there is no table named {name!r}. Available: "
                f"{', '.join(sorted(open_tables()))}. See /data for the list.", 404)
        if fmt not in FORMATS:
            return _text_error(
                f"Bad request: unknown format {fmt!r} for {name!r}; use csv, json or parquet.", 400)
        try:
            body, media_type = render(name, fmt, server.config.get("SERVICESTAT_DB"))
        except WarehouseMissing as exc:
            return _text_error(f"Service unavailable: {exc}", 503)
        except duckdb.Error:
            return _text_error(f"Service unavailable: the table {name!r} cannot be read from this warehouse "
                               "(it may predate the table); try again after the next load.", 503)
        response = flask.Response(body, content_type=media_type)
        response.headers["Content-Disposition"] = f'attachment; filename="{file_name(name, fmt)}"'
        # What a download holds depends on who asks: never cached by shared caches.
        response.headers["Cache-Control"] = "private, no-store"
        return response
