"""The matcher: proposes Autotask services for CloudCockpit offer variants under rules R1-R9.

It works on plain records (no Prefect, no DuckDB), so the pipeline, the offline CSV command
and the benchmarks share one engine. Start with `match`.
"""

from offermap.matching.engine import match
from offermap.matching.model import (
    Candidate,
    CandidateStatus,
    MatchConfig,
    ResultStatus,
    ServiceRecord,
    Variant,
    VariantResult,
)
from offermap.variants import VariantKey

__all__ = [
    "Candidate",
    "CandidateStatus",
    "MatchConfig",
    "ResultStatus",
    "ServiceRecord",
    "Variant",
    "VariantKey",
    "VariantResult",
    "match",
]
