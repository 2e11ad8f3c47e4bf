"""A portfolio: which candidates are funded and in which year each starts.

Solve produces one; simulate reads one (from a solve result or a `selection.csv`) to know which
day-care places open when. A project that starts in year s and takes b build years is in service
from the start of year s + b (its completion year is s + b − 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from facility_opt.model.types import Candidate, Scenario


@dataclass(frozen=True)
class Portfolio:
    """Selected candidate id → start year."""

    starts: dict[str, int] = field(default_factory=dict)

    def __contains__(self, candidate_id: object) -> bool:
        return candidate_id in self.starts

    def __len__(self) -> int:
        return len(self.starts)

    @staticmethod
    def completion_year(candidate: Candidate, start_year: int) -> int:
        """Last construction year; the project serves from the year after."""
        if candidate.cost_by_year:
            spent = [y for y, v in candidate.cost_by_year.items() if v]
            return max(spent) if spent else start_year
        return start_year + max(1, candidate.build_years) - 1

    def in_service(self, scenario: Scenario, year: int) -> list[Candidate]:
        """Selected candidates whose construction has finished before `year` begins."""
        out = []
        for c in scenario.candidates:
            s = self.starts.get(c.id)
            if s is not None and self.completion_year(c, s) < year:
                out.append(c)
        return out

    def added_places(self, scenario: Scenario, year: int) -> dict[str, int]:
        """Candidate id → day-care places open in `year`."""
        return {c.id: c.daycare_places for c in self.in_service(scenario, year)
                if c.daycare_places > 0}
