"""Approve or reject the review queue's proposals with buttons, through offermap's library.

`record` is the one way the review notebook decides, by button or by `approve_ids` /
`reject_ids`: it asks the library where each proposal stands first, records decisions only for
the open ones, and reports the others (already decided, by whom and when) instead of failing,
so running the same decisions again is harmless. `ReviewPanel` puts a row of buttons under
each offer variant of the queue; each click calls `record`, and Undo takes the row's last
decision back through the library (`offermap.review.approvals.withdraw`).

Reading and writing never overlap: every read opens the database read-only and closes it,
and the library's writer opens its own short read-write connection (DuckDB refuses a read-only
and a read-write connection to one file in one process).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import ipywidgets as widgets
import pandas as pd

from offermap.errors import OffermapError
from offermap.reports import coverage
from offermap.review import approvals
from offermap.review.approvals import ReviewError

Kind = Literal["approve", "reject"]
_DONE = {"approve": "Approved", "reject": "Rejected"}


@dataclass
class Decisions:
    """What `record` did: the decisions it recorded and the proposals it left alone, and why."""

    kind: Kind
    # (proposal id, decision id), in the order asked for
    recorded: list[tuple[int, int]] = field(default_factory=list)
    # (proposal id, why it was not decided now)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    # proposal id -> "VARIANT -> service NAME (ID)", to say what each id was
    described: dict[int, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """One line per proposal asked about, for the analyst."""
        out = []
        for proposal_id, decision_id in self.recorded:
            after = ": waits for `offermap apply`" if self.kind == "approve" else ""
            out.append(
                f"{_DONE[self.kind]} proposal {proposal_id} ({self.described[proposal_id]}), "
                f"decision {decision_id}{after}."
            )
        for proposal_id, why in self.skipped:
            out.append(
                f"Proposal {proposal_id} ({self.described[proposal_id]}) was not "
                f"{_DONE[self.kind].lower()}: {why}."
            )
        return out


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return cast(list[dict[str, Any]], frame.to_dict("records"))


def _described(row: dict[str, Any]) -> str:
    service = f"service {row['service_name']} ({row['service_id']})"
    return f"{row['variant']} → {service}" if row["variant"] else service


def record(
    db_path: Path | str,
    connection_id: str,
    kind: Kind,
    proposal_ids: Sequence[int],
    *,
    actor: str,
    note: str | None = None,
) -> Decisions:
    """Approve or reject these proposals, skipping (and reporting) any that is no longer open.

    Approvals wait for `offermap apply`, which checks them against the rules.

    Raises:
        ReviewError: an id names no proposal of the connection, or two approvals are for one
            offer variant; nothing is recorded then.
    """
    ids = list(dict.fromkeys(int(i) for i in proposal_ids))
    outcome = Decisions(kind)
    if not ids:
        return outcome
    states = _records(coverage.proposal_states(db_path, connection_id, ids))
    unknown = [int(r["proposal_id"]) for r in states if r["state"] == "unknown"]
    if unknown:
        raise ReviewError(
            f"no proposal {', '.join(map(str, unknown))} for connection {connection_id!r}: "
            "take the ids from the review queue (nothing was recorded)"
        )
    outcome.described = {int(r["proposal_id"]): _described(r) for r in states}
    todo = [int(r["proposal_id"]) for r in states if r["state"] == "open"]
    outcome.skipped = [
        (int(r["proposal_id"]), str(r["detail"])) for r in states if r["state"] != "open"
    ]
    if todo:
        decide = approvals.approve if kind == "approve" else approvals.reject
        made = decide(db_path, connection_id, todo, actor=actor, note=note or None)
        outcome.recorded = list(zip(todo, (int(d) for d in made), strict=True))
    return outcome


def _candidate_label(row: dict[str, Any]) -> str:
    held_back = "" if row["status"] == "proposed" else ", not proposed"
    return (
        f"{row['service_name']} ({row['service_id']}) · {float(row['score']):.2f}"
        f"{held_back} · proposal {row['proposal_id']}"
    )


def _html(text: str, colour: str | None = None) -> str:
    style = f' style="color:{colour}"' if colour else ""
    return f"<span{style}>{html.escape(text)}</span>"


class VariantRow:
    """One offer variant of the queue: its candidates, Approve, Reject, Undo, what happened."""

    def __init__(self, panel: ReviewPanel, candidates: list[dict[str, Any]], first: int) -> None:
        """Build the widgets for a variant whose open candidates are `candidates` (rank order)."""
        self.panel = panel
        self.variant = str(candidates[0]["variant"])
        self.candidates = {int(c["proposal_id"]): c for c in candidates}
        # Candidates rejected from this row, kept so that Undo can put them back in place.
        self._rejected: dict[int, dict[str, Any]] = {}
        # Decisions this row recorded, newest last: (proposal id, decision id, kind).
        self.made: list[tuple[int, int, Kind]] = []
        lead = self.candidates[first]
        self.title = widgets.HTML(
            f"<b>{html.escape(self.variant)}</b> {html.escape(str(lead['offer_name']))} · "
            f"{lead['customers']} customers, {lead['seats']} seats"
        )
        self.choice = widgets.Dropdown(
            options=self._options(),
            value=first,
            layout=widgets.Layout(width="60%"),
        )
        self.approve = widgets.Button(
            description="Approve", button_style="success", tooltip="approve the chosen service"
        )
        self.reject = widgets.Button(
            description="Reject", button_style="danger", tooltip="reject the chosen service"
        )
        self.undo = widgets.Button(
            description="Undo",
            tooltip="take this row's last decision back (an approval only before apply)",
            disabled=True,
        )
        self.status = widgets.HTML("")
        self.approve.on_click(lambda _button: self._decide("approve"))
        self.reject.on_click(lambda _button: self._decide("reject"))
        self.undo.on_click(lambda _button: self._undo())
        self.widget = widgets.VBox(
            [
                self.title,
                widgets.HBox([self.choice, self.approve, self.reject, self.undo]),
                self.status,
            ]
        )

    @property
    def proposal_id(self) -> int | None:
        """The proposal the buttons act on: the chosen candidate."""
        return None if self.choice.value is None else int(self.choice.value)

    def _options(self) -> list[tuple[str, int]]:
        ranked = sorted(self.candidates.items(), key=lambda item: int(item[1]["rank"]))
        return [(_candidate_label(c), pid) for pid, c in ranked]

    def _enable(self, enabled: bool) -> None:
        for control in (self.approve, self.reject, self.choice):
            control.disabled = not enabled

    def _decide(self, kind: Kind) -> None:
        proposal_id = self.proposal_id
        if proposal_id is None:
            return
        try:
            outcome = self.panel.record(kind, [proposal_id])
        except OffermapError as exc:
            self.status.value = _html(str(exc), "#c62828")
            return
        lines = outcome.lines()
        self.panel.tell(lines)
        if outcome.skipped:
            # Decided elsewhere meanwhile (another analyst, the command line): nothing to do.
            self.status.value = _html(lines[0], "#6d4c41")
            self._enable(False)
            return
        self.made.append((proposal_id, outcome.recorded[0][1], kind))
        self.undo.disabled = False
        if kind == "approve":
            self.status.value = _html(lines[0], "#2e7d32")
            self._enable(False)
        else:
            self.status.value = _html(lines[0], "#c62828")
            self._drop(proposal_id)

    def _drop(self, proposal_id: int) -> None:
        """A rejected candidate leaves the list; the next one (rank order) is chosen."""
        self._rejected[proposal_id] = self.candidates.pop(proposal_id)
        if not self.candidates:
            self.choice.options = []
            self.status.value += _html(" No candidate left: the variant is now abstained.")
            self._enable(False)
            return
        self.choice.options = self._options()
        self.choice.value = self._options()[0][1]

    def _undo(self) -> None:
        """Withdraw this row's last decision through the library; the row opens again."""
        if not self.made:
            return
        proposal_id, decision_id, kind = self.made[-1]
        try:
            self.panel.withdraw([decision_id])
        except OffermapError as exc:
            self.status.value = _html(str(exc), "#c62828")
            return
        self.made.pop()
        self.undo.disabled = not self.made
        if kind == "approve":
            line = (
                f"Withdrew the approval of proposal {proposal_id} (decision {decision_id}): "
                "nothing of this variant waits for apply now."
            )
        else:
            line = (
                f"Undid the rejection of proposal {proposal_id} (decision {decision_id}): it "
                "can be decided again."
            )
            self.candidates[proposal_id] = self._rejected.pop(proposal_id)
            self.choice.options = self._options()
        self.choice.value = proposal_id
        self._enable(True)
        self.status.value = _html(line, "#1565c0")
        self.panel.tell([line])


class ReviewPanel:
    """The review queue as rows of buttons, one row per offer variant (at most `limit`).

    Args:
        db_path, connection_id: where decisions go (through the library).
        queue: the review queue (`coverage.review_queue`, possibly filtered).
        actor, note: recorded with each decision; both can be changed in the panel.
        limit: how many variants get a row, best first choice first.
    """

    def __init__(
        self,
        db_path: Path | str,
        connection_id: str,
        queue: pd.DataFrame,
        *,
        actor: str,
        note: str | None = None,
        limit: int = 30,
    ) -> None:
        """Build the panel; nothing is read or written until a button is clicked."""
        self.db_path = db_path
        self.connection_id = connection_id
        self.actor = widgets.Text(value=actor, description="Actor")
        self.note = widgets.Text(value=note or "", description="Note", placeholder="optional")
        self.log = widgets.HTML("")
        firsts = coverage.first_choices(queue, abstained=True).head(limit)
        ordered = queue.sort_values(["variant", "rank"], kind="stable")
        by_variant: dict[str, list[dict[str, Any]]] = {}
        for row in _records(ordered):
            by_variant.setdefault(str(row["variant"]), []).append(row)
        self.rows = [
            VariantRow(self, by_variant[str(first["variant"])], int(first["proposal_id"]))
            for first in _records(firsts)
        ]
        left_out = coverage.first_choices(queue, abstained=True).shape[0] - len(self.rows)
        if self.rows:
            more = f" ({left_out} more: narrow the filters or raise rows_shown)" if left_out else ""
            header = (
                f"{len(self.rows)} offer variants to decide{more}. Approvals are mapped by the "
                "next `offermap apply`."
            )
        else:
            header = "Nothing to decide with these filters."
        self.widget = widgets.VBox(
            [
                widgets.HTML(_html(header)),
                widgets.HBox([self.actor, self.note]),
                *(row.widget for row in self.rows),
                self.log,
            ]
        )

    def row(self, variant: str) -> VariantRow:
        """The row of an offer variant, by handle.

        Raises:
            KeyError: the panel has no row for that variant.
        """
        for row in self.rows:
            if row.variant == variant:
                return row
        raise KeyError(variant)

    def record(self, kind: Kind, proposal_ids: Sequence[int]) -> Decisions:
        """Record decisions with the panel's actor and note (see `record`)."""
        actor = self.actor.value.strip()
        if not actor:
            raise ReviewError("say who decides: fill in Actor")
        return record(
            self.db_path,
            self.connection_id,
            kind,
            proposal_ids,
            actor=actor,
            note=self.note.value.strip() or None,
        )

    def withdraw(self, decision_ids: Sequence[int]) -> None:
        """Take decisions back through the library, audited with the panel's actor and note.

        Raises:
            ReviewError: a decision was applied meanwhile, or cannot be taken back.
        """
        actor = self.actor.value.strip()
        if not actor:
            raise ReviewError("say who takes the decision back: fill in Actor")
        approvals.withdraw(
            self.db_path,
            self.connection_id,
            decision_ids,
            actor=actor,
            note=self.note.value.strip() or None,
        )

    def tell(self, lines: list[str]) -> None:
        """Add lines to the panel's log, newest last."""
        self.log.value += "".join(f"<div>{_html(line)}</div>" for line in lines)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)  # type: ignore[no-untyped-call]
