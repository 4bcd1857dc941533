"""Great Expectations suites of offermap: one `build_suite()` builder per table.

Builders import Great Expectations inside the function (its import costs seconds), so importing
this package or a builder module stays cheap; `offermap.quality.gx_runner` runs the suites.
"""
