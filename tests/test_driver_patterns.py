"""The driver patterns (data/driver_patterns.yaml) on wordings they have not seen.

The labels in tests/fixtures/a11_driver_labels.csv are a reading of every distinct question text of
the FY2021 collections sample: the driver(s) the wording is about, whatever slot it was put in
(`other` when it is about none). "Fitting" keeps only the patterns that some wording of the
training agencies (or the A-11 standard wording) supports; the fitted rules are then judged on the
texts of agencies held out whole, restricted to wordings the training agencies never used.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest
import yaml

from core.driver_patterns import PATTERNS_FILE, DriverRules, clean_text, install_classifier, parse, rules
from tests.conftest import reference

REPO = Path(__file__).resolve().parents[1]
SAMPLE = "a11_cx_fy2021.csv"  # in ../shared/reference/
LABELS = REPO / "tests" / "fixtures" / "a11_driver_labels.csv"
DRIVERS = {"satisfaction", "trust", "effectiveness", "ease", "efficiency", "equity", "employee", "other"}
# Splits by department (the file's organization abbreviation); each holds out several whole agencies.
SPLITS = {
    "DHS, DOC, HHS, DOL, HUD, DOS held out": {"DHS", "DOC", "HHS", "DOL", "HUD", "DOS"},
    "VA, ED, OPM held out": {"VA", "ED", "OPM"},
    "IRS, USDA, SSA, SBA, DOI, USCIS, DOC held out": {"IRS", "USDA", "SSA", "SBA", "DOI", "USCIS", "DOC"},
}


def _labels() -> dict[str, set[str]]:
    with open(LABELS, newline="", encoding="utf-8") as fh:
        return {r["text"]: set(r["drivers"].split()) for r in csv.DictReader(fh)}


def _items() -> set[tuple[str, int, str]]:
    """(agency, question number, text) for every real question of the sample."""
    r = rules()
    out = set()
    with open(reference(SAMPLE), newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for k in range(1, 12):
                text = clean_text(row[f"attributes_q{k}_text"])
                if not r.is_placeholder(text):
                    out.add((row["attributes_organization_abbreviation"], k, text))
    return out


def _fit(full: DriverRules, texts: set[str], labels: dict[str, set[str]]) -> DriverRules:
    """Keep each pattern only if a training wording of its driver (or the standard one) matches it."""
    keep = {}
    for driver, patterns in full.patterns.items():
        support = [clean_text(t) for t in texts if driver in labels[t]] + list(full.standard[driver])
        keep[driver] = [p for p in patterns if any(p.search(s) for s in support)]
    return full.restricted(keep)


def _scores(r: DriverRules, items: set[tuple[str, int, str]],
            labels: dict[str, set[str]]) -> dict[str, float]:
    """How well the rules flag texts that do not fit their slot, and classify texts without one."""
    slot_items = [(k, t) for _, k, t in items if r.slot_driver(k) != "other"]
    misfits = {(k, t) for k, t in slot_items if r.slot_driver(k) not in labels[t]}
    flagged = {(k, t) for k, t in slot_items if not r.fits(t, r.slot_driver(k))}
    return {
        "misfits": len(misfits),
        "misfits_flagged": len(misfits & flagged) / len(misfits) if misfits else 1.0,
        "fitting_flagged": len(flagged - misfits) / (len(slot_items) - len(misfits)),
        "classify_accuracy": sum(r.classify(t) in labels[t] for _, _, t in items) / len(items),
    }


def test_labels_cover_every_text_of_the_sample_with_known_drivers():
    labels = _labels()
    texts = {t for _, _, t in _items()}
    assert texts == set(labels)
    assert all(ds and ds <= DRIVERS for ds in labels.values())


def test_the_standard_a11_wording_fits_its_own_driver_and_no_other_slot():
    r = rules()
    for driver, wordings in r.standard.items():
        assert wordings, driver
        for w in wordings:
            assert r.fits(w, driver), (driver, w)
            assert r.classify(w) == driver, (driver, w)


def test_slots_placeholders_and_other():
    r = rules()
    assert [r.slot_driver(k) for k in range(1, 12)] == [
        "satisfaction", "trust", "effectiveness", "ease", "efficiency", "equity", "employee",
        "other", "other", "other", "other"]
    for text in ("none", " NONE ", "No question", "", None, "N/A"):
        assert r.is_placeholder(text)
    assert not r.is_placeholder("None of the above applied to me")
    assert r.classify("What was the reason for your call?") == "other"
    assert r.fits("What was the reason for your call?", "other")


@pytest.mark.parametrize(("text", "slot"), [
    ("Using a scale of 1 to 10 where \u201c1\u201d means \u201cnot at all likely\u201d and \u201c10\u201d "
     "means \u201cvery likely\u201d, how likely would you be to use the Web site to apply for federal "
     "student aid in the future?   (FAFSA.gov)", "trust"),
    ("How likely are you to recommend the National Passport Information Center?", "trust"),
    ("I am satisfied with the service I received from IRS.gov.", "trust"),
    ("The website helped me do what I needed to do.", "employee"),
])
def test_texts_that_do_not_fit_their_slot(text, slot):
    assert not rules().fits(text, slot)


def test_wording_variants_fit_their_slot():
    r = rules()
    assert r.fits("I trust VA to fulfill our country\u2019s commitment to Veterans", "trust")
    assert r.fits("Please rate your level of confidence in the Trademark Assistance Center.", "trust")
    assert r.fits("It took a reasonable amount of time to do what I needed to do\n", "efficiency")
    assert r.fits("OPM Retirement Services treated me fairly.", "equity")


@pytest.mark.parametrize("split", list(SPLITS))
def test_patterns_fitted_on_some_agencies_work_on_agencies_held_out(split):
    labels, items = _labels(), _items()
    held = SPLITS[split]
    train = {i for i in items if i[0] not in held}
    train_texts = {t for _, _, t in train}
    unseen = {i for i in items if i[0] in held and i[2] not in train_texts}
    assert len(unseen) >= 40, "the held-out part must hold enough new wordings to judge by"
    full = rules()
    fitted = _fit(full, train_texts, labels)
    dropped = sum(len(full.patterns[d]) - len(fitted.patterns[d]) for d in full.patterns)
    assert dropped > 0, "fitting must actually leave out the patterns the training part does not support"
    s = _scores(fitted, unseen, labels)
    assert s["misfits"] >= 3, s
    assert s["misfits_flagged"] >= 0.9, s  # texts in the wrong slot are found
    assert s["fitting_flagged"] <= 0.15, s  # and few texts that fit are flagged
    assert s["classify_accuracy"] >= 0.8, s


def test_the_full_pattern_file_on_the_whole_sample():
    s = _scores(rules(), _items(), _labels())
    assert s["misfits_flagged"] >= 0.97, s
    assert s["fitting_flagged"] <= 0.03, s
    assert s["classify_accuracy"] >= 0.95, s


def test_patterns_are_data_a_new_wording_needs_no_code(tmp_path):
    spec = yaml.safe_load(PATTERNS_FILE.read_text(encoding="utf-8"))
    text = "Overall, the clerk was a delight."
    assert parse(spec).classify(text) == "other"
    spec["drivers"]["employee"]["patterns"].append(r"\bclerks?\b")
    assert parse(spec).classify(text) == "employee"
    assert parse(spec).fits(text, "employee")


def test_ten_point_wording_is_recognised():
    r = rules()
    assert r.speaks_of_ten_points("On a scale from 1 to 10, where '1' means 'poor'")
    assert r.speaks_of_ten_points("Using a 10-point scale on which \u201c1\u201d means")
    assert not r.speaks_of_ten_points("I was treated fairly.")


def test_sql_classifier_for_kinds_checked_in_sql():
    con = duckdb.connect()
    try:
        install_classifier(con)
        install_classifier(con)  # again on the same connection, as for the next file of a load
        assert con.execute(
            "SELECT ss_driver('It was easy to complete what I needed to do.'), ss_driver(NULL),"
            " ss_driver('What was the reason for your call?')").fetchone() == ("ease", None, "other")
    finally:
        con.close()
