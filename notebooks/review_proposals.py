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
# **unsupported** (R5, R8). At the end: which customers hold each offer.
#
# Set the database, connection and filters in the next cell and run all cells. In JupyterLab,
# decide with the **Approve** and **Reject** buttons under the queue. Run headless
# (`python -m notebooks.run review_proposals`), decide with `approve_ids` / `reject_ids`.
# Either way decisions go through offermap's library, which holds the database only for the
# moment it records them; a proposal decided already is reported, not decided twice. Approved
# pairs are mapped by the next `offermap apply`, which checks them against the rules first.

# %% tags=["parameters"]
db_path = None  # the DuckDB file; None: OFFERMAP_DB (default .offermap/offermap.duckdb)
connection_id = None  # the connection; None: OFFERMAP_CONNECTION (default "default")
# Filters of the review queue (None: no filter).
segment = None  # e.g. "Commercial"
offer_type = None  # e.g. "License"
product_family = None  # e.g. "Microsoft 365"
min_score = None  # e.g. 0.8
max_score = None
# Which customers hold an offer: a handle, or part of one or of the offer's name, and/or a
# customer id or part of a customer's name (None: every acquired offer, every customer).
holders_of = None  # e.g. "Business Premium" or "CFQ7TTC0LCHC:0002/Commercial/OneYear/Monthly"
customer = None
# Decisions without buttons (headless runs): proposal ids from the queue. Running the same
# ids again is harmless: proposals decided already are reported and left as they are.
approve_ids = []
reject_ids = []
actor = None  # who decides; None: OFFERMAP_ACTOR, else your login name
note = None  # recorded with the decisions
rows_shown = 30
headless = False  # notebooks.run sets True: no buttons, nobody is there to click them

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from notebooks.review_panel import ReviewPanel, record
from notebooks.tables import show
from offermap.reports import coverage
from offermap.settings import load_offermap_settings

settings = load_offermap_settings()
db_path = db_path or settings.db
connection_id = connection_id or settings.connection
actor = actor or settings.actor
display(Markdown(f"Database `{db_path}`, connection `{connection_id}`"))

# %% [markdown]
# ## Decisions from the parameters
#
# `approve_ids` and `reject_ids` are recorded first, so everything below shows the review as
# it stands after them.

# %%
for kind, ids in (("approve", approve_ids), ("reject", reject_ids)):
    if ids:
        print("\n".join(record(db_path, connection_id, kind, ids, actor=actor, note=note).lines()))
if not (approve_ids or reject_ids):
    print("No decision in the parameters (approve_ids and reject_ids are empty).")

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
show(by_family)
display(Markdown("### Coverage by segment"))
show(by_segment)

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
# `[not_proposed]` ones held back, with why in their reasons). Where the matcher abstained
# (nothing good enough), the variant is led by its nearest candidate, marked `not_proposed`.
# Filter it with the parameters.

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
firsts = coverage.first_choices(shown, abstained=True)
proposed = int((firsts["status"] == "proposed").sum())
print(
    f"{len(firsts)} variants to decide after the filters: {proposed} with a proposal, "
    f"{len(firsts) - proposed} abstained ({queue['variant'].nunique()} variants, "
    f"{len(queue)} candidates in the whole queue)"
)
show(
    firsts[
        [
            "proposal_id",
            "score",
            "status",
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
    ],
    limit=rows_shown,
)

# %% [markdown]
# ## Decide
#
# Under each variant: its candidates (first choice selected), **Approve** and **Reject**.
# An approval waits for `offermap apply`; a rejected pair is never proposed again for that
# variant, and the next candidate is offered. What happened is written under the row and in
# the log at the bottom. Run all cells again to see the coverage and queue afterwards.

# %%
if headless:
    print(
        "Run headless: decide with --set approve_ids=[...] / --set reject_ids=[...], or open "
        "this notebook in JupyterLab (make lab) to decide with buttons."
    )
else:
    display(ReviewPanel(db_path, connection_id, shown, actor=actor, note=note, limit=rows_shown))

# %%
figure, axis = plt.subplots(figsize=(8, 3))
scores = firsts.loc[firsts["status"] == "proposed", "score"]
if len(scores):
    axis.hist(scores, bins=[i / 20 for i in range(21)], color="#1565c0")
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
show(
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
    ],
    limit=rows_shown * 3,
)

# %% [markdown]
# ## Which customers hold an offer
#
# One row per offer variant and customer, from the Active and Suspended subscriptions (the
# ones that make an offer acquired), with the service the variant is mapped to. Customers are
# named as CloudCockpit names them (by id when it names none). Narrow it with `holders_of` and
# `customer`.

# %%
holders = coverage.filter_customers(
    coverage.variant_customers(db_path, connection_id), offer=holders_of, customer=customer
)
print(
    f"{holders['customer_id'].nunique()} customers hold {holders['variant'].nunique()} "
    "offer variants" + (" matching the filters" if holders_of or customer else "")
)
show(
    holders[
        [
            "variant",
            "offer_name",
            "customer_name",
            "customer_id",
            "subscriptions",
            "seats",
            "statuses",
            "mapped_service_id",
            "mapped_service_name",
        ]
    ],
    limit=rows_shown * 3,
)
