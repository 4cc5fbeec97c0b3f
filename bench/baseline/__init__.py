"""The baselines the gateway benchmarks measure against: a trivial nameko service and a bare FastAPI app."""
