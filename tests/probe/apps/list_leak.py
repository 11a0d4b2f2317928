"""Labelled case `list_leak`: vulnerable must yield `data-leak`; fixed: nothing."""

from __future__ import annotations

from fastapi import FastAPI

from ._service import build_app

KIND = "data-leak"


def create_app(vulnerable: bool) -> FastAPI:
    return build_app(frozenset({"list_leak"}) if vulnerable else frozenset())
