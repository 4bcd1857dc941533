"""Which services a variant may be given at all (R2, R5, R6, R3), and what each rule removed."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from offermap.matching.model import ServiceRecord
from offermap.rules import service_violations

# The order in which a removed service is attributed to a rule; R3 comes last because a taken
# service that breaks R2/R5/R6 would be removed anyway.
RULE_ORDER: tuple[str, ...] = ("R2", "R5", "R6", "R3")


@dataclass(frozen=True, slots=True)
class Eligibility:
    """The services open to every variant of one (offer type, billing frequency) group.

    Attributes:
        allowed: boolean mask over the run's services.
        removed: rule code -> how many services the rule removed for the group.
    """

    allowed: npt.NDArray[np.bool_]
    removed: dict[str, int]


class EligibilityCache:
    """Computes eligibility once per (offer type, billing frequency), since the rules only
    read those two facts of a variant: a run has a handful of groups, not one per variant."""

    def __init__(self, services: Sequence[ServiceRecord], taken: Collection[int]) -> None:
        """Remember the services and the service ids already mapped (R3)."""
        self._services = services
        self._taken = frozenset(taken)
        self._cache: dict[tuple[str, str], Eligibility] = {}

    def get(self, offer_type: str, billing_frequency: str) -> Eligibility:
        """The eligibility of the group of this offer type and billing frequency."""
        group = (offer_type, billing_frequency)
        cached = self._cache.get(group)
        if cached is None:
            cached = self._compute(offer_type, billing_frequency)
            self._cache[group] = cached
        return cached

    def _compute(self, offer_type: str, billing_frequency: str) -> Eligibility:
        allowed = np.zeros(len(self._services), dtype=bool)
        removed = dict.fromkeys(RULE_ORDER, 0)
        for index, service in enumerate(self._services):
            problems = service_violations(
                offer_type=offer_type,
                billing_frequency=billing_frequency,
                service_is_active=service.is_active,
                service_period_label=service.period_type_label,
                service_unit_cost=service.unit_cost,
                service_unit_price=service.unit_price,
            )
            if problems:
                removed[problems[0][0]] += 1
            elif service.service_id in self._taken:
                removed["R3"] += 1
            else:
                allowed[index] = True
        return Eligibility(allowed, {code: n for code, n in removed.items() if n})
