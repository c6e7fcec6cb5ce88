"""`servicestat check` checks every file in data/: one bad value planted in a copy of data/ is reported
with its file and exact line, several at once are all reported, and the project's data/ is clean.

The command runs as a subprocess with SERVICESTAT_DATA naming the copy, as an operator would run it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.check_vocab import normalise_label as check_normalise
from core.declarations import CHECKERS, DeclarationError, check_declarations, load_declarations
from core.vocab import normalise_label
from tests.conftest import REPO

DATA = REPO / "data"


def _runtime(path: Path) -> bool:
    """Files the running system writes into data/ (the warehouse, real users and tokens), not declarations."""
    return path.name.startswith(".") or path.suffix in (".duckdb", ".wal", ".tmp") or \
        ".duckdb." in path.name or path.name in ("users.yaml", "tokens.yaml") or not path.is_file()


@dataclass(frozen=True)
class Plant:
    """Replace `old` by `new` on the first line holding `old`; `message` is what check must say there."""

    old: str
    new: str
    message: str


#: One bad value per declaration file; a new file in data/ needs an entry here (and a checker).
PLANTS: dict[str, Plant] = {
    "agencies.csv": Plant("dos-ca,Department of State,", "dos-ca,,", "dos-ca: department: Field required"),
    "providers.csv": Plant("usda-fsa,usda-fsa,Farm Service Agency,", "usda-fsa,usda-fsa,,",
                           "usda-fsa: name: Field required"),
    "service_aliases.csv": Plant("Applying for a Patent,doc-patents,", "Applying for a Patent,doc-patent,",
                                 "Applying for a Patent: unknown service 'doc-patent' (see services.csv)"),
    "service_keywords.csv": Plant("dos-ca,passport|passport renewal|", "dos-ca,passport||",
                                  "dos-ca: keywords: '' has no word in it; separate keywords with one '|'"),
    "services.csv": Plant("dos-ca,dos-ca,Passport Services", "dos-ca,dos-cx,Passport Services",
                          "dos-ca: unknown agency 'dos-cx' (see agencies.csv)"),
    "channels.yaml": Plant("aliases: [phone, telephone", "aliases: [phone, Web, telephone",
                           "phone: alias 'Web' is also an alias of channel 'online' (line 7); each raw "
                           "label must mean one channel"),
    "hisp_2020_questions.csv": Plant("Efficiency,efficiency,", "Efficiency,speed,",
                                     "Efficiency: unknown driver 'speed' (see driver_patterns.yaml `slots`)"),
    "units.yaml": Plant("business days: 1,", "business days: 0,",
                        "business_days: aliases.business days: Input should be greater than 0"),
    "driver_patterns.yaml": Plant(r"'\bhow long\b'", r"'\bhow (long\b'",
                                  r"efficiency: pattern '\bhow (long\b' is not a valid regular expression: "
                                  "missing ), unterminated subpattern at position 6"),
    "publication.yaml": Plant("min_count: 10", "min_count: 0",
                              "suppression.min_count: Input should be greater than or equal to 1"),
    "benchmarks_acsi.csv": Plant(",2017,annual,69.7,", ",2017,annual,169.7,",
                                 "federal_government_aggregate: score: Input should be less than or equal "
                                 "to 100"),
    "metrics.yaml": Plant("unit: minutes", "unit: furlongs",
                          "wait_time_median: unknown unit 'furlongs' (see units.yaml)"),
    "standards.yaml": Plant("    service: dos-ca\n", "    service: dos-cax\n",
                            "dos-ca-routine-processing: unknown service 'dos-cax' (see services.csv)"),
    "goals.yaml": Plant("- {fiscal_year: 2012, target: 0.032}", "- {fiscal_year: 2012, target: 0.032, to: 1}",
                        "gsa-vacant-space: targets.1.to: Extra inputs are not permitted"),
    "initiatives.yaml": Plant("    kind: signature_initiative", "    kind: wish",
                              "dos-ca-online-passport-renewal: kind: Input should be "
                              "'signature_initiative' or 'action_plan'"),
    "benchmark_peers.yaml": Plant("{service: dhs-tsa,", "{service: dhs-tsx,",
                                  "unknown service 'dhs-tsx' (see services.csv)"),
    "site.yaml": Plant("email: servicestat-accessibility@omb.example", "email: servicestat-accessibility",
                       "accessibility_contact.email: 'servicestat-accessibility' is not an email address "
                       "(name@domain)"),
    "users.example.yaml": Plant("role: omb ", "role: admin ",
                                "omb-reviewer: role: Input should be 'agency' or 'omb'"),
    "alerts.yaml": Plant("parameters: {grain: quarter, periods: 3}",
                         "parameters: {grain: quarter, periods: 0}",
                         "standard-off-track-3-quarters: parameters.periods: Input should be greater than or "
                         "equal to 1"),
    "subscriptions.yaml": Plant("  va-vba: [", "  va-vbx: [",
                                "subscriptions: unknown agency 'va-vbx' (see agencies.csv; `all` for every "
                                "agency)"),
    "narratives.yaml": Plant("  - service: dos-ca\n    fiscal_year: 2023\n",
                             "  - service: dos-cx\n    fiscal_year: 2023\n",
                             "unknown service 'dos-cx' (see services.csv)"),
    "benchmarks_operational.csv": Plant("first_contact_resolution,first_contact_resolution,",
                                        "first_contact_resolution,first_contact_resolutions,",
                                        "first_contact_resolution: unknown metric "
                                        "'first_contact_resolutions' (see metrics.yaml)"),
}


def declaration_files() -> list[str]:
    return sorted(p.name for p in DATA.iterdir() if not _runtime(p))


def copy_data(tmp_path: Path) -> Path:
    """A copy of data/'s declarations in tmp_path/data (so problems read `data/<file>:<line>: ...`)."""
    out = tmp_path / "data"
    out.mkdir()
    for name in declaration_files():
        shutil.copy2(DATA / name, out / name)
    return out


def plant(folder: Path, name: str) -> int:
    """Plant PLANTS[name] in folder/name; returns the 1-based line it is on."""
    p = PLANTS[name]
    path = folder / name
    text = path.read_text(encoding="utf-8")
    at = text.index(p.old)  # ValueError here: data/ changed, update the plant
    path.write_text(text[:at] + p.new + text[at + len(p.old):], encoding="utf-8")
    return text.count("\n", 0, at) + 1


def check(folder: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SERVICESTAT_DATA": str(folder), "SERVICESTAT_DB": str(folder / "absent.duckdb")}
    return subprocess.run([sys.executable, "-m", "servicestat.cli", "check"], capture_output=True, text=True,
                          cwd=folder.parent, env=env, timeout=120)


def test_every_file_in_data_has_a_checker_and_a_planted_case() -> None:
    checked = {name for name, _ in CHECKERS}
    files = declaration_files()
    assert [f for f in files if f not in checked] == [], "add a checker to core.declarations.CHECKERS"
    assert [f for f in files if f not in PLANTS] == [], "add a planted bad value to PLANTS"


@pytest.mark.parametrize("name", declaration_files())
def test_a_bad_value_in_each_file_is_reported_at_its_line(tmp_path: Path, name: str) -> None:
    if name not in PLANTS:
        pytest.fail(f"no planted case for data/{name}: add one to PLANTS (and a checker to CHECKERS)")
    folder = copy_data(tmp_path)
    line = plant(folder, name)
    run = check(folder)
    assert run.returncode == 1, run.stderr
    assert f"error: data/{name}:{line}: {PLANTS[name].message}" in run.stderr.splitlines(), run.stderr


def test_problems_in_several_files_are_all_reported_in_one_run(tmp_path: Path) -> None:
    folder = copy_data(tmp_path)
    names = ["driver_patterns.yaml", "benchmarks_acsi.csv", "publication.yaml", "services.csv"]
    lines = {name: plant(folder, name) for name in names}
    (folder / "units.yaml").write_text((folder / "units.yaml").read_text() + "  furlongs: [\n")
    run = check(folder)
    assert run.returncode == 1
    out = run.stderr.splitlines()
    for name in names:
        assert f"error: data/{name}:{lines[name]}: {PLANTS[name].message}" in out, run.stderr
    units_end = (folder / "units.yaml").read_text().count("\n") + 1
    broken = "not valid YAML: expected the node content, but found '<stream end>'"
    assert f"error: data/units.yaml:{units_end}: {broken}" in out, run.stderr
    assert f"{len([o for o in out if o.startswith('error: ')])} problem(s) in the declarations" in run.stderr


def test_the_project_data_passes(tmp_path: Path) -> None:
    run = check(copy_data(tmp_path))
    assert run.returncode == 0, run.stderr
    assert "no problems" in run.stderr


def test_csv_lines_count_the_header_and_quoted_line_breaks(tmp_path: Path) -> None:
    """A quoted field spanning lines: the next row's problem is on its own first physical line."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "agencies.csv").write_text(
        "agency_id,department,department_abbreviation,bureau,bureau_abbreviation,extra\n"
        '"dos-ca",Department of State,DOS,"Bureau of\nConsular Affairs",CA,ok\n'
        "\n"
        "dos-ca,Department of State,DOS,Again,CA,\n"
        "Bad Id,Department of State,dos!,Bureau,CA,\n"
        "long,Department of State,DOS,Bureau,CA,x,y\n"
        "short,Department of State\n")
    got = [(p.line, p.message) for p in check_declarations(folder) if p.file.endswith("agencies.csv")]
    assert got == [
        (5, "duplicate agency_id 'dos-ca' (first on line 2)"),
        (6, "Bad Id: agency_id: String should match pattern '^[a-z0-9][a-z0-9_-]*$'"),
        (6, "Bad Id: department_abbreviation: String should match pattern "
            "'^[A-Za-z][A-Za-z0-9&.\\-]*$'"),
        (7, "7 fields where the header has 6"),
        (8, "short: bureau: Field required"),
        (8, "short: bureau_abbreviation: Field required"),
        (8, "short: department_abbreviation: Field required"),
    ]


def test_the_checker_normalises_labels_as_ingest_does() -> None:
    for label in ("Automated_Phone", " in-person ", "Call  Center", "E-MAIL", "web_chat"):
        assert check_normalise(label) == normalise_label(label)


def test_the_catalogue_loads_despite_problems_elsewhere_but_not_despite_its_own(tmp_path: Path) -> None:
    """load_declarations (what the metrics use) stops only for the catalogue files it returns;
    a metric's driver must be one of driver_patterns.yaml's slots."""
    folder = copy_data(tmp_path)
    plant(folder, "publication.yaml")
    assert "wait_time_median" in load_declarations(folder).metrics
    metrics = folder / "metrics.yaml"
    text = metrics.read_text()
    at = text.index("driver: trust")
    metrics.write_text(text[:at] + "driver: confidence" + text[at + len("driver: trust"):])
    with pytest.raises(DeclarationError) as info:
        load_declarations(folder)
    line = text.count("\n", 0, at) + 1
    assert [str(p) for p in info.value.problems] == [
        f"{metrics}:{line}: trust_agree_share: unknown driver 'confidence' "
        "(see driver_patterns.yaml `slots`)"]
