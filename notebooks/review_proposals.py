# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Review proposals
#
# The matcher's open proposals for one connection, with its reasons and the alternatives it
# considered, and how far the review has come: every acquired offer variant is **mapped**,
# **pending** (a proposal awaits your decision, or an approval awaits `apply`), **abstained**
# (no service was good enough, or you rejected every one), **not required** (R7) or
# **unsupported** (R5, R8).
#
# Set the parameters in the next cell and run all cells. The notebook reads the database
# read-only; approvals and rejections go through offermap's library, which holds the database
# only for the moment it records them. Approved pairs are mapped by the next `offermap apply`,
# which checks them against the rules first.

# %% tags=["parameters"]
db_path = None  # the DuckDB file; None: OFFERMAP_DB (default .offermap/offermap.duckdb)
connection_id = None  # the connection; None: OFFERMAP_CONNECTION (default "default")
# Filters of the review queue (None: no filter).
segment = None  # e.g. "Commercial"
offer_type = None  # e.g. "License"
product_family = None  # e.g. "Microsoft 365"
min_score = None  # e.g. 0.8
max_score = None
# Decisions: proposal ids from the queue below. Leave empty to only look.
approve_ids = []
reject_ids = []
actor = None  # who decides; None: OFFERMAP_ACTOR, else your login name
note = None  # recorded with the decisions
rows_shown = 30

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from offermap.reports import coverage
from offermap.review import approvals as review
from offermap.settings import load_offermap_settings

settings = load_offermap_settings()
db_path = db_path or settings.db
connection_id = connection_id or settings.connection
actor = actor or settings.actor
pd.set_option("display.max_colwidth", 120)
display(Markdown(f"Database `{db_path}`, connection `{connection_id}`"))

# %% [markdown]
# ## Coverage
#
# Acquired offer variants by where they stand, per product family (read from the offer's
# name) and per segment.

# %%
variants = coverage.coverage_variants(db_path, connection_id)
by_family = coverage.coverage_table(variants, "product_family")
by_segment = coverage.coverage_table(variants, "segment")
print(f"Acquired offer variants: {len(variants)},", variants["coverage"].value_counts().to_dict())
display(Markdown("### Coverage by product family"))
display(by_family)
display(Markdown("### Coverage by segment"))
display(by_segment)

# %%
COLOURS = {
    "mapped": "#2e7d32",
    "pending": "#f9a825",
    "abstained": "#c62828",
    "not_required": "#90a4ae",
    "unsupported": "#6d4c41",
}


def coverage_chart(table, title, axis):
    """A horizontal stacked bar per group, one colour per coverage state."""
    states = list(coverage.COVERAGE_STATES)
    shown = table[states].iloc[::-1]
    if shown.empty:
        axis.text(0.5, 0.5, "no acquired variants", ha="center", va="center")
        axis.set_axis_off()
    else:
        shown.plot.barh(stacked=True, ax=axis, color=[COLOURS[s] for s in states], width=0.8)
        axis.set_xlabel("offer variants")
        axis.legend(title="coverage", fontsize="small")
    axis.set_title(title)


figure, (left, right) = plt.subplots(1, 2, figsize=(14, max(4, 0.45 * len(by_family))))
coverage_chart(by_family, "Coverage by product family", left)
coverage_chart(by_segment, "Coverage by segment", right)
figure.tight_layout()
plt.show()

# %% [markdown]
# ## The review queue
#
# One row per offer variant waiting for a decision: the matcher's first choice, its score and
# reasons, and the other candidates (`[proposed]` runners-up you may approve instead,
# `[not_proposed]` ones held back, with why in their reasons). Filter it with the parameters.

# %%
queue = coverage.review_queue(db_path, connection_id)
shown = coverage.filter_queue(
    queue,
    segment=segment,
    offer_type=offer_type,
    product_family=product_family,
    min_score=min_score,
    max_score=max_score,
)
firsts = coverage.first_choices(shown)
print(
    f"{len(firsts)} variants with an open proposal after the filters "
    f"({queue['variant'].nunique()} variants, {len(queue)} candidates in the queue)"
)
display(
    firsts[
        [
            "proposal_id",
            "score",
            "variant",
            "offer_name",
            "customers",
            "seats",
            "service_id",
            "service_name",
            "period_type_label",
            "reasons",
            "alternatives",
        ]
    ].head(rows_shown)
)

# %%
figure, axis = plt.subplots(figsize=(8, 3))
if len(firsts):
    axis.hist(firsts["score"], bins=[i / 20 for i in range(21)], color="#1565c0")
else:
    axis.text(0.5, 0.5, "no open proposals", ha="center", va="center")
axis.set_xlim(0, 1)
axis.set_xlabel("score of the first choice")
axis.set_ylabel("variants")
axis.set_title("How sure the matcher is about the open proposals")
figure.tight_layout()
plt.show()

# %% [markdown]
# ### Every candidate, with why it was or was not proposed
#
# `removed_by_rule` counts the services each rule took out of the running for the variant
# (R2 inactive, R5 billing period, R6 priced Azure plan service, R3 already mapped).

# %%
display(
    shown[
        [
            "proposal_id",
            "variant",
            "rank",
            "status",
            "score",
            "service_id",
            "service_name",
            "reasons",
            "removed_by_rule",
            "variant_status",
        ]
    ].head(rows_shown * 3)
)

# %% [markdown]
# ## Decide
#
# Put proposal ids in `approve_ids` / `reject_ids` in the parameters cell and run again. A
# rejected pair is never proposed again for that variant; an approved one waits for `apply`.

# %%
decided = []
if approve_ids:
    made = review.approve(db_path, connection_id, approve_ids, actor=actor, note=note)
    decided += made
    print(f"Approved proposals {approve_ids}: decisions {made}, waiting for `offermap apply`.")
if reject_ids:
    made = review.reject(db_path, connection_id, reject_ids, actor=actor, note=note)
    decided += made
    print(f"Rejected proposals {reject_ids}: decisions {made}.")
if decided:
    after = coverage.coverage_variants(db_path, connection_id)
    print("Coverage now:", after["coverage"].value_counts().to_dict())
else:
    print("No decision recorded: set approve_ids or reject_ids in the parameters cell.")
