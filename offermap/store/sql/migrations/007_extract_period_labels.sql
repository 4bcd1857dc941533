-- The periodType picklist labels an Autotask extraction read from the tenant, kept with the
-- run, so that the input suite checks the staged services against this tenant's own labels
-- (tenants rename picklist values) rather than Autotask's standard ones.
ALTER TABLE extract_runs ADD COLUMN period_labels VARCHAR[];
