"""What kinds of figures the warehouse holds at all, whoever is asking.

A page that has nothing to show a viewer must say why truthfully: "nothing has been loaded" and
"nothing is published yet" are different facts, and the public (who sees published quarters only)
cannot tell them apart from the frames it gets. These answers are yes/no per kind of figure,
read unscoped like `metrics.standards.check_rollups` reads the load history: that some quarter is
loaded but unpublished is already public through reporting compliance (the /reporting page), and
no figure, count or service leaves this module.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from metrics.access import OMB, viewing
from metrics.cache import memo
from metrics.db import reader


@dataclass(frozen=True)
class Holdings:
    """True when the warehouse holds at least one row of the kind, published or not."""

    survey: bool  # A-11 survey answers (v1 counts or v2 mentions)
    operations: bool  # transactions or reported figures, which standards are judged from

    @property
    def anything(self) -> bool:
        return self.survey or self.operations


_SQL = """
SELECT EXISTS (SELECT 1 FROM survey_results) OR EXISTS (SELECT 1 FROM survey_mentions) AS survey,
       EXISTS (SELECT 1 FROM service_period) OR EXISTS (SELECT 1 FROM metric_observations) AS operations
"""


@memo  # every page asks, on every request
def holdings(db: str | os.PathLike[str] | None = None) -> Holdings:
    """Which kinds of figures are loaded (raises metrics.db.WarehouseMissing without a warehouse)."""
    with viewing(OMB):
        row = reader(db).df(_SQL).iloc[0]
    return Holdings(survey=bool(row["survey"]), operations=bool(row["operations"]))
