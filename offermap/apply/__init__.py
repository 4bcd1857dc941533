"""Apply: check pending decisions against the rules, then write them in one transaction."""
