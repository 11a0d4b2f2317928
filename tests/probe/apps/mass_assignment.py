"""Labelled case `mass_assignment`: vulnerable must yield `mass-assignment`; fixed: nothing."""

from __future__ import annotations

from fastapi import FastAPI

from ._service import build_app

KIND = "mass-assignment"


def create_app(vulnerable: bool) -> FastAPI:
    return build_app(frozenset({"mass_assignment"}) if vulnerable else frozenset())
