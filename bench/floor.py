"""The floor under any service: a bare boto3 loop, one request at a time, against the same
DynamoDB Local and the same items. Service latency minus this is what the service itself costs."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench.seed import User


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _loop(call: Callable[[int], object], iterations: int) -> dict[str, float]:
    """Time each call (ms); p50, p99 and the sequential throughput they add up to."""
    for index in range(min(50, iterations)):
        call(index)
    samples: list[float] = []
    started = time.perf_counter()
    for index in range(iterations):
        before = time.perf_counter()
        call(index)
        samples.append((time.perf_counter() - before) * 1000)
    elapsed = time.perf_counter() - started
    return {
        "p50_ms": round(statistics.median(samples), 3),
        "p99_ms": round(_percentile(samples, 0.99), 3),
        "rps": round(iterations / elapsed, 1),
    }


def measure_floor(client: Any, table: str, users: list[User], iterations: int) -> dict[str, Any]:
    """GetItem and UpdateItem on the secure layout's keys; the update is the same conditional,
    ALL_NEW request the secure service sends, so the floor does the same DynamoDB work."""
    rng = random.Random(11)
    targets = []
    for _ in range(iterations + 50):
        user = rng.choice(users)
        item_id = rng.choice(user.items["secure"])
        key = {
            "pk": {"S": f"ORG#{user.org_id}#USER#{user.sub}"},
            "sk": {"S": f"ITEM#{item_id}"},
        }
        targets.append((user, key))

    def get(index: int) -> object:
        return client.get_item(TableName=table, Key=targets[index][1])

    def update(index: int) -> object:
        user, key = targets[index]
        return client.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET #f0 = :v0, version = version + :one, updated_at = :now",
            ConditionExpression="attribute_exists(pk) AND owner_id = :owner AND org_id = :org",
            ExpressionAttributeNames={"#f0": "name"},
            ExpressionAttributeValues={
                ":v0": {"S": f"floor {index}"},
                ":one": {"N": "1"},
                ":now": {"S": "2025-01-01T00:00:00.000Z"},
                ":owner": {"S": user.sub},
                ":org": {"S": user.org_id},
            },
            ReturnValues="ALL_NEW",
        )

    return {"read": _loop(get, iterations), "update": _loop(update, iterations)}


def warm_engine(client: Any, table: str, users: list[User], seconds: float) -> int:
    """Untimed GetItem/Query traffic so DynamoDB Local's JIT has compiled its read paths before
    the first measured round (the first variant would otherwise pay for everyone's warm-up)."""
    rng = random.Random(3)
    deadline = time.monotonic() + seconds
    done = 0
    while time.monotonic() < deadline:
        user = rng.choice(users)
        partition = f"ORG#{user.org_id}#USER#{user.sub}"
        key = {"pk": {"S": partition}, "sk": {"S": f"ITEM#{rng.choice(user.items['secure'])}"}}
        client.get_item(TableName=table, Key=key)
        client.query(
            TableName=table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": partition}},
            Limit=20,
        )
        done += 2
    return done
