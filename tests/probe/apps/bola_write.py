"""Labelled case `bola_write`: vulnerable must yield `bola-write`; fixed: nothing."""

from __future__ import annotations

from fastapi import FastAPI

from ._service import build_app

KIND = "bola-write"


def create_app(vulnerable: bool) -> FastAPI:
    return build_app(frozenset({"bola_write"}) if vulnerable else frozenset())
