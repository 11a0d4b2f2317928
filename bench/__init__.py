"""Side-by-side benchmarks of the secure service against the seed's routes (not tests).

`./scripts/bench` runs `python -m bench.run`; `bench.serve_variant` is the per-variant server."""
