"""Labelled case `cursor_replay`: vulnerable must yield `cursor-replay`; fixed: nothing."""

from __future__ import annotations

from fastapi import FastAPI

from ._service import build_app

KIND = "cursor-replay"


def create_app(vulnerable: bool) -> FastAPI:
    return build_app(frozenset({"cursor_replay"}) if vulnerable else frozenset())
