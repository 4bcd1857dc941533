"""Plain records the matcher reads and returns: offer variants, services, candidates, results."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from offermap.variants import VariantKey

ResultStatus = Literal["proposed", "abstained", "not_required", "unsupported", "mapped"]
CandidateStatus = Literal["proposed", "not_proposed"]


@dataclass(frozen=True, slots=True)
class Variant:
    """One acquired CloudCockpit offer variant: an offer with its segment, term and billing.

    Attributes:
        offer_id: CloudCockpit offer GUID.
        provider_offer_id: Microsoft `PRODUCT:SKU`, e.g. `CFQ7TTC0LH18:0001`.
        offer_name: the catalogue name, e.g. "Microsoft 365 Business Basic".
        offer_type: CloudCockpit offer type name, e.g. "License" or "AzurePlan".
        segment: Commercial, Education, Government or NonProfit.
        term: NoTerm, OneMonth, OneYear, ThreeYears or FiveYears.
        billing_frequency: OneTime, Monthly, Annual, Triennial or None.
    """

    offer_id: str
    provider_offer_id: str
    offer_name: str
    offer_type: str
    segment: str
    term: str
    billing_frequency: str

    @property
    def key(self) -> VariantKey:
        """The mapping key (offer_id, segment, term, billing_frequency)."""
        return VariantKey(self.offer_id, self.segment, self.term, self.billing_frequency)

    def describe(self) -> str:
        """A short human-readable label, e.g. "Microsoft 365 E3 (Commercial, OneYear, Monthly)"."""
        return f"{self.offer_name} ({self.segment}, {self.term}, {self.billing_frequency})"


@dataclass(frozen=True, slots=True)
class ServiceRecord:
    """One Autotask Service as the matcher needs it (a row of the connection's snapshot).

    Attributes:
        service_id: Autotask service id.
        name: the service name.
        period_type_label: the periodType picklist label (Monthly, Quarterly, Semi-Annual,
            Yearly), read from the API's picklist, or None when unknown.
        unit_cost: unit cost, None when the API user cannot see costs.
        unit_price: unit price.
        is_active: whether the service is active.
        sku: the id-bearing fields below may hold a Microsoft product id or `PRODUCT:SKU`.
        catalog_number_part_number: Autotask catalogNumberPartNumber.
        manufacturer_service_provider_product_number: Autotask
            manufacturerServiceProviderProductNumber.
        external_id: Autotask externalID.
        description: free text; searched for ids only.
        invoice_description: the invoice text; read for term cues when the name has none.
    """

    service_id: int
    name: str
    period_type_label: str | None
    unit_cost: float | None
    unit_price: float | None
    is_active: bool
    sku: str | None = None
    catalog_number_part_number: str | None = None
    manufacturer_service_provider_product_number: str | None = None
    external_id: str | None = None
    description: str | None = None
    invoice_description: str | None = None


@dataclass(frozen=True, slots=True)
class MatchConfig:
    """Tuning of one matching run.

    Attributes:
        threshold: the lowest score a candidate needs to be proposed; below it the matcher
            abstains, because a wrong guess costs more than no guess.
        top_k: how many candidates at most are proposed per variant (the assignment's first
            choice, then free runners-up above the threshold).
        alternatives: how many not-proposed candidates at most are listed per variant, each
            with why it was not proposed.
        knots: calibration knots (raw score, chance right) to use instead of the shipped
            ones; the calibration command and the held-out benchmark set them.
    """

    threshold: float = 0.6
    top_k: int = 3
    alternatives: int = 3
    knots: tuple[tuple[float, float], ...] | None = None

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"MatchConfig.threshold must be in (0, 1], got {self.threshold!r}")
        if self.top_k < 1:
            raise ValueError(f"MatchConfig.top_k must be at least 1, got {self.top_k!r}")
        if self.alternatives < 0:
            raise ValueError(
                f"MatchConfig.alternatives must be 0 or more, got {self.alternatives!r}"
            )


@dataclass(frozen=True, slots=True)
class Candidate:
    """One service considered for a variant, with its score and the evidence behind it.

    Attributes:
        service_id: Autotask service id.
        service_name: the service name, for display.
        score: calibrated confidence in 0..1 that this service is the variant's service.
        rank: 1 for the best proposal, then in the order shown.
        status: proposed, or not_proposed (listed so a reviewer sees why not).
        reasons: human-readable evidence: matched ids and words, term, billing and segment
            cues, and for not_proposed the reason it was held back.
        raw_score: the evidence score before calibration (orders candidates of equal score).
    """

    service_id: int
    service_name: str
    score: float
    rank: int
    status: CandidateStatus
    reasons: tuple[str, ...]
    raw_score: float = 0.0


@dataclass(frozen=True, slots=True)
class VariantResult:
    """The matcher's outcome for one variant.

    Attributes:
        variant: the variant.
        status: proposed, abstained, not_required (R7), unsupported (R5/R8) or mapped.
        candidates: ranked candidates; proposed ones first.
        removed: rule code -> how many services that rule removed for this variant. Each
            service is counted under the first rule it breaks, in the order R2, R5, R6, R3.
        reason: why the variant has this status, in words a user can read.
    """

    variant: Variant
    status: ResultStatus
    candidates: tuple[Candidate, ...] = ()
    removed: Mapping[str, int] = field(default_factory=dict)
    reason: str | None = None
