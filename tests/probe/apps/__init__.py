"""Labelled FastAPI apps for the probe: each case module has a vulnerable and a fixed variant."""
