"""Labelled case `bfla`: vulnerable must yield `bfla`; fixed: nothing."""

from __future__ import annotations

from fastapi import FastAPI

from ._service import build_app

KIND = "bfla"


def create_app(vulnerable: bool) -> FastAPI:
    return build_app(frozenset({"bfla"}) if vulnerable else frozenset())
