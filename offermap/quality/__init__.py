"""Running Great Expectations suites on pandas frames, and the per-row verdicts they give."""
