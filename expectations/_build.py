"""What the suite builders share: a suite bound to the GX context, and expectation meta."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from offermap.quality.gx_runner import gx_context
from offermap.rules import RULES_BY_CODE

if TYPE_CHECKING:
    import great_expectations as gx
    from great_expectations.expectations.expectation import Expectation


def new_suite(name: str) -> gx.ExpectationSuite:
    """An empty suite, after making sure a GX context exists (add_expectation needs one).

    Args:
        name: The suite name.

    Returns:
        The suite, not registered in the context's store (validation takes it as an object).
    """
    gx_context()
    import great_expectations as gx

    return gx.ExpectationSuite(name=name)


def add(suite: gx.ExpectationSuite, expectation: Expectation) -> None:
    """Add an expectation, refusing one GX would silently drop.

    GX treats two expectations that differ only in meta as the same one and keeps the first,
    which would lose a rule without a word.

    Raises:
        ValueError: The suite already holds an equal expectation.
    """
    before = len(suite.expectations)
    suite.add_expectation(expectation)
    if len(suite.expectations) == before:
        raise ValueError(
            f"{suite.name}: {expectation.expectation_type} {expectation.configuration.kwargs} "
            "is already in the suite"
        )


def rule_meta(code: str) -> dict[str, Any]:
    """Meta of an expectation that encodes a mapping rule: its code and the user-facing words.

    Args:
        code: A rule code of `offermap.rules`, e.g. "R5".

    Returns:
        {"rule": code, "reason": the rule's user text, "consequence": what breaking it means}.
    """
    rule = RULES_BY_CODE[code]
    return {"rule": rule.code, "reason": rule.user_text, "consequence": rule.consequence}


def check_meta(reason: str) -> dict[str, Any]:
    """Meta of an input-data check that no mapping rule names.

    Args:
        reason: What is wrong with a row that fails the check, in a user's words.
    """
    return {"rule": None, "reason": reason}
