"""Labelled case `bola_read`: vulnerable must yield `bola-read`; fixed: nothing."""

from __future__ import annotations

from fastapi import FastAPI

from ._service import build_app

KIND = "bola-read"


def create_app(vulnerable: bool) -> FastAPI:
    return build_app(frozenset({"bola_read"}) if vulnerable else frozenset())
