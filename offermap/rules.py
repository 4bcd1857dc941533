"""CloudCockpit's mapping rules R1–R9 as data that the matcher, apply and the expectations share.

The texts follow CloudCockpit's help article "Map CloudCockpit Offers to Autotask"; the
constants below are the only place where the rule parameters (which billing frequency
needs which Autotask period, which offer types need no mapping...) are written down.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OfferType(StrEnum):
    """CloudCockpit offer types (`offerType.name`)."""

    LICENSE = "License"
    LICENSE_LEGACY = "LicenseLegacy"
    SOFTWARE_SUBSCRIPTION = "SoftwareSubscription"
    PERPETUAL_SOFTWARE = "PerpetualSoftware"
    AZURE_PLAN = "AzurePlan"
    AZURE_RESERVATION = "AzureReservation"
    AZURE_LEGACY = "AzureLegacy"
    AZURE_SAVINGS_PLAN = "AzureSavingsPlan"


class Segment(StrEnum):
    """CloudCockpit segments (`segment.name`)."""

    COMMERCIAL = "Commercial"
    EDUCATION = "Education"
    GOVERNMENT = "Government"
    NONPROFIT = "NonProfit"


class Term(StrEnum):
    """CloudCockpit term durations (`termDuration.name`)."""

    NO_TERM = "NoTerm"
    ONE_MONTH = "OneMonth"
    ONE_YEAR = "OneYear"
    THREE_YEARS = "ThreeYears"
    FIVE_YEARS = "FiveYears"


class BillingFrequency(StrEnum):
    """CloudCockpit billing frequencies (`billingFrequency.name`)."""

    ONE_TIME = "OneTime"
    MONTHLY = "Monthly"
    ANNUAL = "Annual"
    TRIENNIAL = "Triennial"
    NONE = "None"


class MappingStatus(StrEnum):
    """Where an acquired offer variant stands."""

    MAPPED = "mapped"
    UNMAPPED = "unmapped"
    NOT_REQUIRED = "not_required"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class Rule:
    """One of CloudCockpit's mapping rules, with the words a user reads in errors and the README."""

    code: str
    title: str
    user_text: str
    consequence: str


RULES: tuple[Rule, ...] = (
    Rule(
        "R1",
        "Service must exist",
        "offermap never creates Autotask services: the service has to exist in Autotask.",
        "the service is not in the connection's latest Autotask snapshot",
    ),
    Rule(
        "R2",
        "Service must be active",
        "Only an active Autotask service can be mapped.",
        "the service is inactive in Autotask",
    ),
    Rule(
        "R3",
        "One offer per service",
        "An Autotask service can be mapped to only one offer variant per connection.",
        "the service is already mapped, or claimed by another decision, for another offer variant",
    ),
    Rule(
        "R4",
        "One mapping per offer variant",
        "An offer with a given segment, term and billing frequency is mapped once per connection.",
        "the offer variant is already mapped, or claimed by another decision in the same batch",
    ),
    Rule(
        "R5",
        "Billing must match",
        "Only monthly and annual billing are supported, and the service must bill the same way: "
        "Monthly offers to Monthly services, Annual offers to Yearly services.",
        "the billing frequency is unsupported or the service's period does not match it",
    ),
    Rule(
        "R6",
        "Azure plan needs a zero-priced service",
        "An Azure plan maps only to a service whose unit cost and unit price are both 0.",
        "the Azure plan's service has a cost or a price",
    ),
    Rule(
        "R7",
        "Azure reservations need no mapping",
        "Azure reservations are not mapped: their cost rolls into the Azure plan.",
        "the offer is an Azure reservation",
    ),
    Rule(
        "R8",
        "Legacy licences are not supported",
        "Legacy licence offers cannot be mapped: migrate them to NCE first.",
        "the offer is a legacy licence",
    ),
    Rule(
        "R9",
        "Only acquired offers",
        "Only offers that customers of the connection have acquired can be mapped.",
        "no customer of the connection has acquired this offer variant",
    ),
)

RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}

# R5: the Autotask periodType label each supported billing frequency needs. Labels, not
# integers: the integers differ per tenant and are read from entityInformation/fields.
PERIOD_LABEL_FOR_BILLING: dict[BillingFrequency, str] = {
    BillingFrequency.MONTHLY: "Monthly",
    BillingFrequency.ANNUAL: "Yearly",
}
SUPPORTED_BILLING_FREQUENCIES: frozenset[BillingFrequency] = frozenset(PERIOD_LABEL_FOR_BILLING)

# R6
ZERO_PRICED_OFFER_TYPES: frozenset[OfferType] = frozenset({OfferType.AZURE_PLAN})
# R7
NOT_REQUIRED_OFFER_TYPES: frozenset[OfferType] = frozenset({OfferType.AZURE_RESERVATION})
# R8
UNSUPPORTED_OFFER_TYPES: frozenset[OfferType] = frozenset({OfferType.LICENSE_LEGACY})

# Which subscription statuses make an offer variant "acquired" (R9). Active and Suspended
# subscriptions are still held by the customer (a suspended one can be resumed and billed
# again), so their offers need a mapping. Expired, Disabled and Deleted subscriptions no longer
# bill, so an offer seen only on those is not acquired.
ACQUIRED_SUBSCRIPTION_STATUSES: frozenset[str] = frozenset({"Active", "Suspended"})

# The facts apply prepares for every approved decision, one row per decision, which the
# rules suite (expectations/decision_rules.py) and the fast single-decision check
# (offermap/apply/rule_check.py) both judge.
DECISION_COLUMNS: tuple[str, ...] = (
    "decision_id",
    "connection_id",
    "offer_id",
    "segment",
    "term",
    "billing_frequency",
    "service_id",
    "offer_type",
    "variant_acquired",
    "service_in_snapshot",
    "service_is_active",
    "service_period_label",
    "service_unit_cost",
    "service_unit_price",
    "service_mapped_to_other_variant",
    "service_claimed_earlier_in_batch",
    "variant_mapped_to_other_service",
    "variant_claimed_earlier_in_batch",
)
# Boolean facts and the one value each rule accepts.
REQUIRED_FACTS: tuple[tuple[str, str, bool], ...] = (
    ("R1", "service_in_snapshot", True),
    ("R3", "service_mapped_to_other_variant", False),
    ("R3", "service_claimed_earlier_in_batch", False),
    ("R4", "variant_mapped_to_other_service", False),
    ("R4", "variant_claimed_earlier_in_batch", False),
    ("R9", "variant_acquired", True),
)

AUDIT_CREATE_MAPPING = "Create Connection Offer Mapping"
AUDIT_DELETE_MAPPING = "Delete Connection Offer Mapping"
# offermap's own review operations, audited beside CloudCockpit's two: a rejection, a decision
# taken back before apply (an approval or an unmap), and a rejection undone.
AUDIT_REJECT_PROPOSAL = "Reject Offer Mapping Proposal"
AUDIT_WITHDRAW_DECISION = "Withdraw Offer Mapping Decision"
AUDIT_UNDO_REJECTION = "Undo Offer Mapping Rejection"
AUDIT_OPERATIONS: tuple[str, ...] = (
    AUDIT_CREATE_MAPPING,
    AUDIT_DELETE_MAPPING,
    AUDIT_REJECT_PROPOSAL,
    AUDIT_WITHDRAW_DECISION,
    AUDIT_UNDO_REJECTION,
)
# Short words people type for each operation (`offermap audit --operation map`).
AUDIT_OPERATION_WORDS: dict[str, str] = {
    "map": AUDIT_CREATE_MAPPING,
    "create": AUDIT_CREATE_MAPPING,
    "unmap": AUDIT_DELETE_MAPPING,
    "delete": AUDIT_DELETE_MAPPING,
    "reject": AUDIT_REJECT_PROPOSAL,
    "withdraw": AUDIT_WITHDRAW_DECISION,
    "undo-reject": AUDIT_UNDO_REJECTION,
}


@dataclass(frozen=True)
class Support:
    """Whether an offer variant can be mapped at all, and if not, which rule says so."""

    status: MappingStatus | None  # None: mappable (mapped or unmapped decides the rest)
    rule: str | None = None
    reason: str | None = None


def variant_support(offer_type: str, billing_frequency: str) -> Support:
    """Decide whether an offer variant is mappable (R5, R7, R8), before any service is looked at.

    Args:
        offer_type: CloudCockpit offer type name, e.g. "License".
        billing_frequency: CloudCockpit billing frequency name, e.g. "Monthly".

    Returns:
        `Support(None)` when the variant can be mapped, otherwise not_required or unsupported
        with the rule and a reason a user can read.
    """
    if offer_type in NOT_REQUIRED_OFFER_TYPES:
        return Support(MappingStatus.NOT_REQUIRED, "R7", RULES_BY_CODE["R7"].user_text)
    if offer_type in UNSUPPORTED_OFFER_TYPES:
        return Support(MappingStatus.UNSUPPORTED, "R8", RULES_BY_CODE["R8"].user_text)
    if billing_frequency not in SUPPORTED_BILLING_FREQUENCIES:
        return Support(
            MappingStatus.UNSUPPORTED,
            "R5",
            f"{billing_frequency} billing is not supported: only Monthly and Annual are.",
        )
    return Support(None)


def required_period_label(billing_frequency: str) -> str | None:
    """The Autotask periodType label a service must have for this billing frequency (R5)."""
    try:
        return PERIOD_LABEL_FOR_BILLING[BillingFrequency(billing_frequency)]
    except (ValueError, KeyError):
        return None


def service_violations(
    *,
    offer_type: str,
    billing_frequency: str,
    service_is_active: bool,
    service_period_label: str | None,
    service_unit_cost: float | None,
    service_unit_price: float | None,
) -> list[tuple[str, str]]:
    """The rules (R2, R5, R6) a service breaks for a variant, as (code, reason) pairs.

    The matcher uses this to remove candidates; the rules suite checks the same facts on data.
    """
    problems: list[tuple[str, str]] = []
    if not service_is_active:
        problems.append(("R2", "the service is inactive"))
    needed = required_period_label(billing_frequency)
    if needed is None:
        problems.append(("R5", f"{billing_frequency} billing is not supported"))
    elif service_period_label != needed:
        problems.append(
            (
                "R5",
                f"the service bills {service_period_label or 'unknown'}, the offer needs {needed}",
            )
        )
    if offer_type in ZERO_PRICED_OFFER_TYPES and (
        (service_unit_cost or 0) != 0 or (service_unit_price or 0) != 0
    ):
        problems.append(
            (
                "R6",
                f"an Azure plan needs unit cost 0 and unit price 0, the service has "
                f"{service_unit_cost or 0:g} and {service_unit_price or 0:g}",
            )
        )
    return problems


def _named(kind: str, ident: object, name: object) -> str:
    """`service 123 'Name'`, or `service 123` when the name is unknown."""
    return f"{kind} {ident} '{name}'" if name else f"{kind} {ident}"


def _held_service(facts: dict[str, object]) -> str:
    """R3: which variant holds the service, and the command that frees it."""
    service = _named("service", facts.get("service_id"), facts.get("service_name"))
    if facts.get("service_mapped_to_other_variant"):
        holder = facts.get("holder_handle")
        if not holder:
            return f"{service} is already mapped to another offer variant"
        offer = facts.get("holder_offer_name")
        named = f"{holder} ({offer})" if offer else str(holder)
        return (
            f"{service} is already mapped to {named}; `offermap unmap {holder}` frees it, "
            "or pick another service"
        )
    claimant = facts.get("claimed_by_handle")
    decision = facts.get("claimed_by_decision")
    if claimant:
        return (
            f"decision {decision} of this batch maps {service} to {claimant} first; withdraw "
            f"one of the two (`offermap withdraw {decision}`) or pick another service"
        )
    return f"an earlier decision in this batch maps {service} to another offer variant"


def _held_variant(facts: dict[str, object]) -> str:
    """R4: which service the variant has, and that unmapping it frees the variant."""
    handle = facts.get("handle")
    if facts.get("variant_mapped_to_other_service"):
        current = facts.get("current_service_id")
        if current is None:
            return "this offer variant is already mapped to another service"
        held = _named("service", current, facts.get("current_service_name"))
        unmap = f"`offermap unmap {handle}`" if handle else "`offermap unmap`"
        return f"this offer variant is already mapped to {held}; {unmap} frees it, then map again"
    decision = facts.get("claimed_variant_by_decision")
    if decision is not None:
        return (
            f"decision {decision} of this batch maps this offer variant first; withdraw one "
            f"of the two (`offermap withdraw {decision}`)"
        )
    return "an earlier decision in this batch maps this offer variant"


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _money(value: object) -> str:
    return f"{float(value):g}" if isinstance(value, int | float) else "0"


def explain_failure(code: str, facts: dict[str, object]) -> str:
    """A specific reason why a decision breaks a rule, from the facts the rules suite checked.

    Args:
        code: the rule, e.g. "R6".
        facts: one row of the decision batch (service and variant facts; see decision_batch.sql).
            Optional names make the reason say what is in the way: `service_name`, `handle`,
            for R3 `holder_handle` and `holder_offer_name` (the variant holding the service)
            or `claimed_by_handle`/`claimed_by_decision`, for R4 `current_service_id` and
            `current_service_name` (the service the variant has) or
            `claimed_variant_by_decision`. Missing ones are left out of the sentence.
    """
    service = facts.get("service_id")
    billing = str(facts.get("billing_frequency"))
    if code == "R1":
        return (
            f"service {service} is not in the connection's latest Autotask snapshot: check the "
            "id with `offermap services search`, or create the service in Autotask and run "
            "`offermap sync`"
        )
    if code == "R2":
        named = _named("service", service, facts.get("service_name"))
        return f"{named} is inactive in Autotask: reactivate it there, or pick an active service"
    if code == "R3":
        return _held_service(facts)
    if code == "R4":
        return _held_variant(facts)
    if code == "R5":
        needed = required_period_label(billing)
        if needed is None:
            return f"{billing} billing is not supported: only Monthly and Annual are"
        label = facts.get("service_period_label") or "unknown"
        offer = f"{_article(billing)} {billing} offer"
        return f"the service bills {label}; {offer} needs a {needed} service"
    if code == "R6":
        return (
            "an Azure plan needs a service with unit cost 0 and unit price 0; this one has "
            f"cost {_money(facts.get('service_unit_cost'))} and price "
            f"{_money(facts.get('service_unit_price'))}"
        )
    if code == "R7":
        return "Azure reservations need no mapping: their cost rolls into the Azure plan"
    if code == "R8":
        return "legacy licence offers are not supported: migrate the subscriptions to NCE first"
    if code == "R9":
        return (
            "no customer of this connection holds an active or suspended subscription to this "
            "offer variant"
        )
    return RULES_BY_CODE[code].consequence if code in RULES_BY_CODE else code
