"""``/submit``: an agency manager sends files in the browser and sees the load summary at once.

The form is plain HTML (a native ``<input type=file>``, which USWDS's script turns into a drop zone, so
drag and drop comes free and the keyboard path is the input itself) posted with the session's CSRF
token. The files go through exactly the path of ``POST /api/v1/submissions``
(`dashboard.submissions.read_submission` and `ingest_submission`: the same checks, kinds, size limit
before the body is read, and the agency restriction, here the signed-in manager's agency). The summary
gives each file's rows read, loaded and rejected, and its rejected rows with row, field, value and
reason, and links to the load's row in the data-quality page.

Who may: an agency manager. Anyone not signed in is sent to sign in; OMB gets a short 403 (files are
submitted for an agency); on the public site the page does not exist (404). Every refusal is a short
4xx page without internals.
"""

from __future__ import annotations

import hmac
from html import escape

import flask
from werkzeug.exceptions import RequestEntityTooLarge

from dashboard.signin import csrf_token, current_user, shell_page
from dashboard.submissions import SubmissionError, ingest_submission, kind_names, read_submission

PATH = "/submit"
TITLE = "Send files"
#: Problems a summary lists per file (the load keeps them all; the rejects download has them).
SHOWN_PROBLEMS = 200
STATUS_TEXT = {"loaded": "Loaded: every row landed.",
               "loaded_with_rejects": "Loaded with rejects: the good rows landed; the rejected rows are "
                                      "below and were not loaded.",
               "refused": "Refused: nothing from this file was loaded.",
               "duplicate": "Already loaded: the same file was loaded before, so nothing changed."}

#: A reason is a sentence: it wraps inside the table's scroll region (which keeps cells on one line).
WRAP = "white-space: normal; min-width: 16rem"

blueprint = flask.Blueprint("submit_page", __name__)


def _message_page(title: str, message: str, status: int, extra: str = "") -> flask.Response:
    body = (f"<h1>{escape(title)}</h1>"
            '<div class="usa-alert usa-alert--warning usa-alert--slim margin-y-3" role="alert"><div '
            f'class="usa-alert__body"><p class="usa-alert__text">{escape(message)}</p></div></div>{extra}')
    return shell_page(title, body, status)


def _refusal() -> flask.Response | None:
    """The answer for anyone who may not submit here, or None for an agency manager."""
    if flask.current_app.config.get("SERVICESTAT_PUBLIC"):
        return _message_page("Page not found", "There is no such page on this site.", 404)
    user = current_user()
    if user is None:
        return flask.redirect(f"/signin?next={PATH}", code=303)
    if user.role != "agency":
        return _message_page(TITLE, "Files are sent by agency managers, for their agency. OMB loads files "
                             "with servicestat ingest.", 403,
                             '<p><a class="usa-link" href="/quality">Data quality</a> shows every load.</p>')
    return None


def _csrf_ok() -> bool:
    sent = flask.request.form.get("csrf_token", "")
    expected = flask.session.get("csrf", "")
    return bool(expected) and hmac.compare_digest(sent, expected)


def _limit_text() -> str:
    limit = flask.current_app.config.get("MAX_CONTENT_LENGTH")
    return f"{limit / 1024 / 1024:,.0f} MB" if limit else "no limit"


def _form(error: str | None = None) -> str:
    alert, invalid = "", ""
    if error:
        alert = ('<div class="usa-alert usa-alert--error usa-alert--slim margin-y-3" role="alert"'
                 f' id="submit-error"><div class="usa-alert__body"><p class="usa-alert__text">{escape(error)}'
                 "</p></div></div>")
        invalid = ' aria-invalid="true"'
    kinds = "".join(f'<option value="{escape(k)}">{escape(k)}</option>' for k in kind_names())
    described = "file-hint submit-error" if error else "file-hint"
    return f"""{alert}
<form class="usa-form usa-form--large" method="post" action="{PATH}" enctype="multipart/form-data"
      id="submit-form">
  <input type="hidden" name="csrf_token" value="{escape(csrf_token())}">
  <div class="usa-form-group">
    <label class="usa-label" for="file">Files</label>
    <span class="usa-hint" id="file-hint">One or more files (CSV, Excel, Parquet or JSON), {_limit_text()} at
      most in all. Choose them, or drag them onto the field.</span>
    <input class="usa-file-input" id="file" name="file" type="file" multiple required
           aria-describedby="{described}"{invalid}>
  </div>
  <label class="usa-label" for="kind">Kind of file</label>
  <span class="usa-hint" id="kind-hint">Leave as it is and the kind is read from the file's columns.</span>
  <select class="usa-select" id="kind" name="kind" aria-describedby="kind-hint">
    <option value="">Detect from the file</option>{kinds}
  </select>
  <div class="usa-checkbox margin-top-3">
    <input class="usa-checkbox__input" id="all_or_nothing" type="checkbox" name="all_or_nothing" value="true">
    <label class="usa-checkbox__label" for="all_or_nothing">All or nothing: refuse a file whole if any of
      its rows is rejected</label>
  </div>
  <button class="usa-button margin-top-3" type="submit" id="submit-button">Send files</button>
</form>"""


def _intro(agency: str) -> str:
    return (f"<h1>{TITLE}</h1>"
            f'<p class="measure-5">Files for <strong>{escape(agency)}</strong>. They are checked and loaded '
            "as every other load is: rows that fail a check are rejected with the row, field, value and "
            "reason, the good rows land, and a file naming another agency's service is refused whole. "
            "The summary shows at once.</p>")


def _cell(value: object) -> str:
    return "no data" if value is None else escape(str(value))


def _row(number: object) -> str:
    return "whole file" if number is None else f"{int(number):,}"


def _rejects_table(result: dict, index: int) -> str:
    """The file's rejected rows (and file-level problems) as a table: row, field, value, reason."""
    problems = result["problems"][:SHOWN_PROBLEMS]
    rows = "".join(
        f'<tr><th scope="row">{_row(p["row"])}</th><td>{_cell(p["field"] or "whole row")}</td>'
        f'<td>{_cell(p["value"])}</td><td style="{WRAP}">{_cell(p["reason"])}</td></tr>' for p in problems)
    caption = escape(f"Rejected rows of {result['file_name']}: row, field, value and reason")
    more = ""
    if result["rows_rejected"] > len(problems):
        more = (f"<p>The first {len(problems)} of {result['rows_rejected']:,} rejected rows; the "
                "data-quality page and its download hold them all.</p>")
    head = "".join(f'<th scope="col">{h}</th>' for h in ("Row", "Field", "Value", "Reason"))
    return (f'{more}<div class="usa-table-container--scrollable" tabindex="0" role="region" '
            f'aria-label="{caption}"><table class="usa-table usa-table--borderless usa-table--compact" '
            f'id="rejects-{index}"><caption>{caption}</caption><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table></div>")


def _file_summary(result: dict, agency: str, index: int) -> str:
    """One file's outcome: counts, its rejected rows (row, field, value, reason), warnings, a link."""
    status = result["status"]
    name = escape(result["file_name"])
    kind = f" Kind: {escape(result['kind'])}." if result.get("kind") else ""
    parts = [f'<section class="margin-y-4" aria-labelledby="file-{index}" data-file="{name}">',
             f'<h2 id="file-{index}">{name}</h2>',
             f'<p data-status="{escape(status)}"><strong>{escape(STATUS_TEXT.get(status, status))}</strong>'
             f"{kind}</p>"]
    if status == "duplicate":
        if result.get("duplicate_of"):
            parts.append(f"<p>It was load {int(result['duplicate_of'])}.</p>")
    else:
        facts = (("Rows read", "rows_read"), ("Rows loaded", "rows_loaded"),
                 ("Rows rejected", "rows_rejected"), ("Earlier rows replaced", "rows_replaced"))
        parts.append('<ul class="usa-list">' + "".join(
            f'<li>{label}: <strong data-count="{key}">{result[key]:,}</strong></li>' for label, key in facts)
            + "</ul>")
    if result["problems"]:
        parts.append(_rejects_table(result, index))
    if result["warnings"]:
        parts.append('<p>Warnings (the rows still loaded):</p><ul class="usa-list">'
                     + "".join(f"<li>{escape(w)}</li>" for w in result["warnings"]) + "</ul>")
    load_id = result.get("duplicate_of") if status == "duplicate" else result.get("load_id")
    if load_id and (status == "duplicate" or result["rows_loaded"]):
        parts.append(f'<p><a class="usa-link" href="/quality#load-{int(load_id)}">Load {int(load_id)} in '
                     'data quality</a>, also in the data-quality section of your <a class="usa-link" '
                     f'href="/agency/{escape(agency)}#quality">agency page</a>.</p>')
    elif status == "refused":
        parts.append("<p>Nothing of it was loaded, so it is not among your agency's loads: the reasons are "
                     "above.</p>")
    parts.append("</section>")
    return "".join(parts)


def _summary_page(agency: str, results: list[dict]) -> flask.Response:
    loaded = sum(r["rows_loaded"] for r in results)
    rejected = sum(r["rows_rejected"] for r in results)
    refused = sum(r["status"] == "refused" for r in results)
    lead = (f"{len(results)} file{'s' if len(results) != 1 else ''} sent: {loaded:,} row"
            f"{'s' if loaded != 1 else ''} loaded, {rejected:,} rejected"
            + (f", {refused} file{'s' if refused != 1 else ''} refused" if refused else "") + ".")
    body = (f"<h1>{TITLE}: summary</h1>"
            '<div class="usa-alert usa-alert--info usa-alert--slim margin-y-3" role="status"><div '
            'class="usa-alert__body"><p class="usa-alert__text" id="submit-summary">'
            f"{escape(lead)}</p></div></div>"
            + "".join(_file_summary(r, agency, i + 1) for i, r in enumerate(results))
            + f'<h2>Send more files</h2>{_form()}')
    return shell_page(f"{TITLE}: summary", body)


@blueprint.get(PATH)
def submit_form() -> flask.Response:
    refusal = _refusal()
    if refusal is not None:
        return refusal
    return shell_page(TITLE, _intro(current_user().agency_id) + _form())


@blueprint.post(PATH)
def submit_files() -> flask.Response:
    refusal = _refusal()
    if refusal is not None:
        return refusal
    agency = str(current_user().agency_id)
    if not _csrf_ok():
        return shell_page(TITLE, _intro(agency) + _form("Your form had expired. Please choose the files "
                                                       "and send them again."), 400)
    try:
        results = ingest_submission(agency, read_submission(frozenset({"csrf_token"})))
    except SubmissionError as refused:
        return shell_page(TITLE, _intro(agency) + _form(refused.message[:1].upper() + refused.message[1:]),
                          refused.status)
    return _summary_page(agency, [r.as_dict() for r in results])


@blueprint.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge) -> flask.Response:
    """Over the size limit (refused before the body is read, dashboard.security): a short page."""
    return _message_page(TITLE, f"The files are larger than the limit of {_limit_text()} in all: send "
                         "smaller files, or fewer at a time.", 413,
                         f'<p><a class="usa-link" href="{PATH}">Back to the form</a></p>')


def install(server: flask.Flask) -> None:
    """Add /submit to the app (in public mode it answers 404)."""
    server.register_blueprint(blueprint)
