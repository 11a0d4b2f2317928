"""Side-by-side benchmarks of the secure service against the seed's routes (not tests).

`./scripts/bench` runs `python -m bench.run`; each variant is served by
`dynaguard serve --app <its factory>`."""
