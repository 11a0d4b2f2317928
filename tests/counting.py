"""Counting the DynamoDB requests a client sends (a botocore `before-call` hook), shared by the
tests that assert exact request counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RequestCounter:
    """DynamoDB operations sent by one client, in order."""

    operations: list[str] = field(default_factory=list)

    def __call__(self, model: Any, **_: Any) -> None:
        self.operations.append(model.name)

    def reset(self) -> None:
        self.operations.clear()
