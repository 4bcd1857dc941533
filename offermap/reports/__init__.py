"""Reports read by people: the audit log, mapping health (drift) and review coverage."""
