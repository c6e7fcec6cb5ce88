"""The declarations in data/, every file checked, and the catalogue typed.

Rules people change live in readable files, not in code. `CHECKERS` names every declaration file
with the function that checks it; they run in that order, so each file's references are checked
against the files before it, and every problem is collected rather than the first one raised, so
`servicestat check` reports them all at once as `file:line: message` (the checkers live in
core/check_*.py). `load_declarations` returns the typed catalogue the metrics use.

A directory given to either function may hold only some of the files (tests do this); the others
come from the declarations folder in force (core.paths.DATA_DIR).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from core.check_alerts import check_alerts, check_subscriptions
from core.check_base import CheckContext
from core.check_benchmarks import check_benchmarks
from core.check_catalogue import (
    TOP_LEVEL,
    check_goals,
    check_initiatives,
    check_metrics,
    check_peers,
    check_standards,
)
from core.check_narratives import check_narratives
from core.check_operational_benchmarks import check_operational_benchmarks
from core.check_publication import check_publication, check_users_example
from core.check_reference import (
    check_agencies,
    check_providers,
    check_service_aliases,
    check_service_keywords,
    check_services,
)
from core.check_site import check_site
from core.check_vocab import check_channels, check_driver_patterns, check_hisp_questions, check_units
from core.models import Declarations, StatusRules
from core.paths import DATA_DIR, data_file
from core.units import convert
from core.yamlio import DeclarationError, DeclarationProblem, line_of, read_yaml

__all__ = ["CHECKERS", "DeclarationError", "DeclarationProblem", "check_declarations", "convert",
           "fingerprint", "line_of", "load_declarations", "read_yaml"]

Checker = Callable[[CheckContext, str], None]

#: Every file in data/ and its checker, in the order they run: a file is checked after the files
#: it refers to. A new declaration file needs an entry here (tests/test_declaration_files.py fails
#: until it has one).
CHECKERS: tuple[tuple[str, Checker], ...] = (
    ("agencies.csv", check_agencies),
    ("providers.csv", check_providers),
    ("services.csv", check_services),
    ("service_aliases.csv", check_service_aliases),
    ("service_keywords.csv", check_service_keywords),
    ("channels.yaml", check_channels),
    ("units.yaml", check_units),
    ("driver_patterns.yaml", check_driver_patterns),
    ("hisp_2020_questions.csv", check_hisp_questions),
    ("publication.yaml", check_publication),
    ("benchmarks_acsi.csv", check_benchmarks),
    ("metrics.yaml", check_metrics),
    ("standards.yaml", check_standards),
    ("goals.yaml", check_goals),
    ("initiatives.yaml", check_initiatives),
    ("benchmark_peers.yaml", check_peers),
    ("users.example.yaml", check_users_example),
    ("site.yaml", check_site),
    ("alerts.yaml", check_alerts),
    ("subscriptions.yaml", check_subscriptions),
    ("narratives.yaml", check_narratives),
    ("benchmarks_operational.csv", check_operational_benchmarks),
)
FILES = TOP_LEVEL  # the catalogue files, which make up `Declarations`
#: The files a `Declarations` is built from or refers to (its cache key).
_LOADED = (*FILES, "services.csv", "agencies.csv", "channels.yaml", "units.yaml", "driver_patterns.yaml")


def _run(data_dir: Path) -> CheckContext:
    ctx = CheckContext(Path(data_dir))
    for name, check in CHECKERS:
        check(ctx, name)
    return ctx


def _sorted(problems: list[DeclarationProblem]) -> list[DeclarationProblem]:
    return sorted(set(problems), key=lambda p: (p.file, p.line or 0, p.message))


def check_declarations(data_dir: str | Path = DATA_DIR) -> list[DeclarationProblem]:
    """Every problem in every declaration file, each with its file and line; empty when all is well."""
    return _sorted(_run(Path(data_dir)).collector.problems)


_cache: dict[tuple[str, tuple[int, ...]], Declarations] = {}


def fingerprint(data_dir: str | Path = DATA_DIR, names: Iterable[str] = _LOADED) -> tuple[int, ...]:
    """(mtime, size) of each named declaration file, (-1, -1) for one that is absent: changes whenever
    one changes. By default the files the catalogue depends on (part of the metrics cache key); the page
    cache (dashboard.page_cache) stamps every file in `CHECKERS`."""
    data_dir = Path(data_dir)
    stamps: list[int] = []
    for name in names:
        try:
            st = data_file(name, data_dir).stat()
        except FileNotFoundError:
            stamps += [-1, -1]
        else:
            stamps += [st.st_mtime_ns, st.st_size]
    return tuple(stamps)


def load_declarations(data_dir: str | Path = DATA_DIR) -> Declarations:
    """The typed catalogue; raises DeclarationError listing every problem in the catalogue files.

    Problems in other files (publication rules, benchmarks, ...) are the business of the code that
    reads them and of `servicestat check`; they do not stop the catalogue from loading.
    """
    data_dir = Path(data_dir).resolve()
    key = (str(data_dir), fingerprint(data_dir))
    if key not in _cache:
        ctx = _run(data_dir)
        catalogue_files = {ctx.label(name) for name in FILES}
        problems = _sorted([p for p in ctx.collector.problems if p.file in catalogue_files])
        if problems:
            raise DeclarationError(problems)
        k = ctx.known.catalogue
        _cache[key] = Declarations(k["metrics"], k.get("status_rules", StatusRules()), tuple(k["standards"]),
                                   k["goals"], k["initiatives"], k["peers"])
    return _cache[key]
