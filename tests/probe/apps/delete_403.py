"""Labelled case `delete_403`: vulnerable must yield `bola-delete`; fixed: nothing."""

from __future__ import annotations

from fastapi import FastAPI

from ._service import build_app

KIND = "bola-delete"


def create_app(vulnerable: bool) -> FastAPI:
    return build_app(frozenset({"delete_403"}) if vulnerable else frozenset())
