"""Benchmarks: each module measures one thing and returns a BenchReport; none is a test."""

# Name -> module. Each module has `run(*, quick: bool = False) -> BenchReport`; `quick` is a
# smaller variant for smoke tests of the benchmark code itself (its figures mean nothing).
BENCHMARKS: dict[str, str] = {
    "autotask": "offermap.bench.autotask",
    "cloudcockpit": "offermap.bench.cloudcockpit",
    "matcher": "offermap.bench.matcher",
    "e2e": "offermap.bench.e2e",
    "apply": "offermap.bench.apply",
    "demo": "offermap.bench.demo",
}
