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
# # Mapping health
#
# A mapping was valid under CloudCockpit's rules when `apply` wrote it, but Autotask and
# CloudCockpit keep changing. This notebook re-checks every mapping of a connection against
# the latest snapshots and lists the **drift**: the service was deleted (R1) or deactivated
# (R2), its period no longer matches the offer's billing (R5), an Azure plan's service got a
# price (R6), or no customer holds the offer variant any more (R9). It then shows the decisions
# `apply` refused and the audit trail over time.
#
# The notebook only reads (the database is opened read-only); fix drift in Autotask, or with
# `offermap unmap` / `offermap map`, then sync again.

# %% tags=["parameters"]
db_path = None  # the DuckDB file; None: OFFERMAP_DB (default .offermap/offermap.duckdb)
connection_id = None  # the connection; None: OFFERMAP_CONNECTION (default "default")
audit_bucket = "day"  # audit counted per "hour", "day", "week" or "month"
since_days = None  # only audit rows of the last N days; None: all of them
rows_shown = 50
headless = False  # notebooks.run sets True; this notebook only reads either way

# %%
# %matplotlib inline
from datetime import UTC, datetime, timedelta

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display
from matplotlib.ticker import MaxNLocator

from notebooks.tables import show
from offermap import rules
from offermap.reports import mapping_health as health
from offermap.settings import load_offermap_settings

settings = load_offermap_settings()
db_path = db_path or settings.db
connection_id = connection_id or settings.connection
since = datetime.now(UTC) - timedelta(days=since_days) if since_days else None
display(Markdown(f"Database `{db_path}`, connection `{connection_id}`"))

# %% [markdown]
# ## The snapshots drift is measured against

# %%
show(health.snapshot_status(db_path, connection_id))
summary = health.health_summary(db_path, connection_id)
print(f"{summary['mappings']} mappings: {summary['healthy']} healthy, {summary['drifted']} drifted")

# %% [markdown]
# ## Drift of existing mappings
#
# One row per mapping and broken rule: the mapping (`variant`, offer and service), what
# changed, and what to do about it.

# %%
drift = health.mapping_drift(db_path, connection_id)
show(
    drift[
        [
            "rule",
            "drift",
            "variant",
            "offer_name",
            "service_id",
            "service_name",
            "what_changed",
            "action",
            "mapped_at",
            "mapped_by",
        ]
    ],
    limit=rows_shown,
)

# %%
figure, (left, right) = plt.subplots(1, 2, figsize=(13, 4))
left.bar(
    ["healthy", "drifted"], [summary["healthy"], summary["drifted"]], color=["#2e7d32", "#c62828"]
)
left.set_title("Mappings")
left.set_ylabel("mappings")
left.yaxis.set_major_locator(MaxNLocator(integer=True))
rules_broken = summary["drift_by_rule"]
if rules_broken:
    labels = [f"{code} {rules.RULES_BY_CODE[code].title}" for code in rules_broken]
    right.barh(labels[::-1], list(rules_broken.values())[::-1], color="#c62828")
    right.set_xlabel("mappings breaking the rule")
    right.xaxis.set_major_locator(MaxNLocator(integer=True))
else:
    right.text(0.5, 0.5, "no drift", ha="center", va="center")
    right.set_axis_off()
right.set_title("Drift by rule")
figure.tight_layout()
plt.show()

# %% [markdown]
# ## Failed decisions
#
# Every operation `apply` refused, newest first, with the rule it broke and why.

# %%
failed = health.failed_decisions(db_path, connection_id, since=since)
show(
    failed[
        [
            "occurred_at",
            "operation",
            "rule",
            "reason",
            "variant",
            "offer_name",
            "service_id",
            "service_name",
            "actor",
            "decision_source",
        ]
    ],
    limit=rows_shown,
)
by_rule = health.failures_by_rule(failed)
show(by_rule)

# %%
figure, axis = plt.subplots(figsize=(8, 3))
if len(by_rule):
    labels = [
        f"{r} {t}".strip() for r, t in zip(by_rule["rule"], by_rule["rule_title"], strict=True)
    ]
    axis.barh(labels[::-1], by_rule["failures"].tolist()[::-1], color="#ef6c00")
    axis.set_xlabel("refused decisions")
    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
else:
    axis.text(0.5, 0.5, "no refused decisions", ha="center", va="center")
    axis.set_axis_off()
axis.set_title("Refusals by rule")
figure.tight_layout()
plt.show()

# %% [markdown]
# ## The audit trail over time
#
# Mapping operations per period (UTC), Succeeded and Failed, as CloudCockpit's audit log
# names them. `offermap audit` lists the rows themselves.

# %%
timeline = health.audit_over_time(db_path, connection_id, bucket=audit_bucket, since=since)
counts = (
    timeline.pivot_table(
        index="bucket", columns=["operation", "status"], values="operations", aggfunc="sum"
    ).fillna(0)
    if len(timeline)
    else pd.DataFrame()
)
show(counts)

# %%
figure, axis = plt.subplots(figsize=(11, 4))
if len(counts):
    style = "%Y-%m-%d %H:00" if audit_bucket == "hour" else "%Y-%m-%d"
    labels = [ts.strftime(style) for ts in counts.index]
    series = [f"{operation}: {status}" for operation, status in counts.columns]
    # Refusals in warm colours, successes in cool ones, whatever the operation.
    palette = {"Failed": ["#c62828", "#ef6c00"], "Succeeded": ["#2e7d32", "#1565c0"]}
    used = {"Failed": 0, "Succeeded": 0}
    colours = []
    for _operation, status in counts.columns:
        colours.append(palette[status][used[status] % 2])
        used[status] += 1
    shown = pd.DataFrame(counts.to_numpy(), index=labels, columns=series)
    shown.plot.bar(stacked=True, ax=axis, rot=45, color=colours)
    axis.set_ylabel("operations")
    axis.yaxis.set_major_locator(MaxNLocator(integer=True))
    axis.legend(fontsize="small")
else:
    axis.text(0.5, 0.5, "no audit rows yet", ha="center", va="center")
    axis.set_axis_off()
axis.set_title(f"Mapping operations per {audit_bucket}")
figure.tight_layout()
plt.show()
