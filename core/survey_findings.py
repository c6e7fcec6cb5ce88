"""Survey data-quality findings: one rule, written by ingest when a file loads and recomputed by
metrics.quality from the stored facts, so both say the same thing in the same words.

Each finding has a severity. `problem`: the figures contradict themselves or their wording (more
answers than respondents, a 1-10 wording on 1-5 counts, a wording that does not fit its driver
slot, a mean that disagrees with the counts, answers counted under a blank question text).
`information`: normal and expected, listed only so it can be counted - item non-response (fewer
answers to a question than respondents to the survey).
"""

from __future__ import annotations

from dataclasses import dataclass

from core import driver_patterns

MEAN_TOLERANCE = 0.01  # published point_scale vs the mean of the counts
PROBLEM, INFORMATION = "problem", "information"
SEVERITIES = (PROBLEM, INFORMATION)  # in the order findings are listed
#: Kinds of file that publish a mean per question and no answer counts (2020 HISP files): a mean
#: without counts is what they are, not a finding.
MEAN_ONLY_KINDS = ("hisp-question-details",)
#: survey_results column -> the A-11 collections form's column, named in a finding's field
VOLUMES = {
    "volume_served": "attributes_volume_of_customers",
    "volume_offered": "attributes_volume_of_customers_provided_survey_opportunity",
    "volume_responded": "attributes_volume_of_respondents",
}


def q_text(k: int) -> str:
    return f"attributes_q{k}_text"


def q_scale(k: int) -> str:
    return f"attributes_q{k}_point_scale"


@dataclass(frozen=True)
class Finding:
    """A data-quality finding about one stored question: kept as reported, listed for a look."""

    kind: str  # driver_slot_mismatch | mean_mismatch | counts_vs_respondents | ten_point_wording
    #            | blank_question_text
    field: str
    message: str
    severity: str = PROBLEM


def where(fiscal_year: int, quarter: int, channel: str | None, touchpoint: str) -> str:
    """The collection a message is about, as both ingest and metrics.quality write it."""
    return f"FY{fiscal_year} Q{quarter} {channel or 'no channel'} '{touchpoint}'"


def mean_of(counts: list[int | None]) -> float | None:
    """Mean answer on 1-5 from the five counts; None without answers."""
    n = sum(c or 0 for c in counts)
    return sum((i + 1) * (c or 0) for i, c in enumerate(counts)) / n if n else None


def question_findings(place: str, number: int | None, text: str, driver: str, counts: list[int | None],
                      published: float | None, respondents: int | None, positional: bool,
                      rules: driver_patterns.DriverRules | None = None,
                      mean_only: bool = False) -> list[Finding]:
    """Everything worth a look about one question (same text at ingest and in metrics.quality).

    `mean_only`: the source publishes a mean and no counts, so a mean without counts is no finding.
    """
    rules = rules or driver_patterns.rules()
    k = number
    label = f"question {k}" if k else "the question"
    text_field = q_text(k) if k else "question_text"
    out: list[Finding] = []
    n = sum(c or 0 for c in counts)
    if rules.is_placeholder(text):
        if n:
            out.append(Finding("blank_question_text", text_field,
                               f"{place}: {label} has {n:,} answers counted but its text is "
                               f"{'blank' if not text.strip() else repr(text.strip())}; it is kept as "
                               f"{driver}"))
    else:
        if positional and driver != "other" and not rules.fits(text, driver):
            reads = rules.classify(text)
            how = f"it reads as {reads}" if reads != "other" else "it fits no driver's wording"
            out.append(Finding("driver_slot_mismatch", text_field,
                               f"{place}: {label} is in the {driver} slot but its wording does not read as "
                               f"{driver} ({how}); it is kept as {driver}"))
        if rules.speaks_of_ten_points(text):
            out.append(Finding("ten_point_wording", text_field,
                               f"{place}: {label} speaks of a 1-10 scale but the form counts answers 1-5"))
    mean = mean_of(counts)
    scale_field = q_scale(k) if k else "published_mean"
    if published is not None and mean is None and not mean_only:
        out.append(Finding("mean_mismatch", scale_field,
                           f"{place}: {label}: a point_scale of {published:g} is published but no answers "
                           "are counted"))
    elif published is not None and mean is not None and abs(mean - published) > MEAN_TOLERANCE:
        out.append(Finding("mean_mismatch", scale_field,
                           f"{place}: {label}: the mean of the answer counts is {mean:.3f} but the published "
                           f"point_scale is {published:g} (off by {abs(mean - published):.3f})"))
    if respondents is not None and n != respondents and not (mean_only and mean is None):
        # Fewer answers than respondents is item non-response (some skipped the question): normal.
        out.append(Finding("counts_vs_respondents", VOLUMES["volume_responded"] if k else "volume_responded",
                           f"{place}: the answers to {label} add up to {n:,}, not to the {respondents:,} "
                           f"respondents reported (difference {n - respondents:+,})",
                           INFORMATION if n < respondents else PROBLEM))
    return out
