"""Seeding: orgs, users and their items, written through each variant's own `POST /org/items` (in
process, over TestClient), so every layout is exactly what that variant writes and reads."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from bench.testclient import TestClient
from bench.variants import FACTORIES, SECURE, SECURE_TABLE, SEED_TABLE, VULNERABLE, table_for
from dynaguard.auth import DevIssuer
from dynaguard.config import Settings
from dynaguard.store.connection import dynamodb_client
from dynaguard.store.table import create_table

TOKEN_TTL_SECONDS = 4 * 3600
"""Long enough for any run: a token expiring under load would turn requests into 401s."""


@dataclass
class User:
    """A caller and the items they own, per storage layout (`secure` or `seed`)."""

    sub: str
    org_id: str
    token: str
    items: dict[str, list[str]] = field(default_factory=dict)
    shared: list[str] = field(default_factory=list)
    """`<owner_id>/<item_id>` of items another member shared with this user as editor."""
    team_shared: list[str] = field(default_factory=list)
    """`<owner_id>/<item_id>` of items shared as editor with a team this user is in (and not
    with the user directly), for the team rows."""

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_users(settings: Settings, orgs: int, users_per_org: int) -> list[User]:
    """Members of several orgs, with tokens from the dev issuer every server trusts."""
    issuer = DevIssuer.load_or_create(settings)
    return [
        User(sub, org, issuer.issue(sub, org, ttl_seconds=TOKEN_TTL_SECONDS))
        for org in (f"org{o}" for o in range(orgs))
        for sub in (f"{org}-user{u}" for u in range(users_per_org))
    ]


def item_body(rng: random.Random, index: int) -> dict[str, Any]:
    """A realistic small item: a name and a few hundred bytes of nested data."""
    return {
        "name": f"item {index}",
        "data": {
            "n": index,
            "score": round(rng.random() * 100, 2),
            "tags": rng.sample(["red", "green", "blue", "amber", "teal", "plum"], 3),
            "note": "seeded for the dynaguard benchmark " * 3,
        },
    }


def _chunks(users: list[User], items_per_user: int) -> Iterator[tuple[User, int]]:
    for index in range(items_per_user):
        for user in users:
            yield user, index


def seed_layout(app: FastAPI, layout: str, users: list[User], items_per_user: int) -> int:
    """POST `items_per_user` items for every user through `app`; record the ids under `layout`.
    Returns how many items were created."""
    rng = random.Random(7)
    jobs = [(user, item_body(rng, index)) for user, index in _chunks(users, items_per_user)]
    for user in users:
        user.items[layout] = []
    with TestClient(app) as http:

        def create(job: tuple[User, dict[str, Any]]) -> tuple[User, str]:
            user, body = job
            response = http.post("/org/items", json=body, headers=user.headers)
            if response.status_code != 201:
                raise RuntimeError(f"seeding {layout}: {response.status_code} {response.text}")
            return user, str(response.json()["item_id"])

        with ThreadPoolExecutor(max_workers=8) as pool:
            for user, item_id in pool.map(create, jobs):
                user.items[layout].append(item_id)
    return len(jobs)


def write_fixture(path: Path, users: list[User], layout: str) -> Path:
    """The file the wrk script reads: one user per line, token then the ids that user owns."""
    lines = [" ".join([user.token, *user.items[layout]]) for user in users]
    path.write_text("\n".join(lines) + "\n")
    return path


def seed_grants(app: FastAPI, users: list[User], per_user: int) -> int:
    """Each secure-layout user makes the next member of their org an editor of their first
    `per_user` items (through `PUT /org/items/{id}/grants/{user}`), for the shared rows."""
    by_org: dict[str, list[User]] = {}
    for user in users:
        by_org.setdefault(user.org_id, []).append(user)
    jobs = [
        (owner, members[(index + 1) % len(members)], item_id)
        for members in by_org.values()
        if len(members) > 1
        for index, owner in enumerate(members)
        for item_id in owner.items["secure"][:per_user]
    ]
    with TestClient(app) as http:
        user_grant = "/org/items/{item_id}/grants/{grantee}"
        for grantee, pointer in _grant_editor(http, jobs, user_grant):
            grantee.shared.append(pointer)
    return len(jobs)


def _grant_editor(
    http: TestClient, jobs: list[tuple[User, User, str]], path: str
) -> list[tuple[User, str]]:
    """Each owner grants `editor` on an item (`path` takes `item_id` and the grantee's `sub`),
    eight at a time; returns each grantee with the `<owner>/<item_id>` it was granted."""

    def grant(job: tuple[User, User, str]) -> tuple[User, str]:
        owner, grantee, item_id = job
        url = path.format(item_id=item_id, grantee=grantee.sub)
        response = http.put(url, json={"role": "editor"}, headers=owner.headers)
        if response.status_code != 200:
            raise RuntimeError(f"seeding {url}: {response.status_code} {response.text}")
        return grantee, f"{owner.sub}/{item_id}"

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(grant, jobs))


def seed_profiles(app: FastAPI, users: list[User]) -> None:
    """Every user writes their own profile through `app` (`PUT /profiles/me`)."""
    with TestClient(app) as http:
        for user in users:
            body = {"email": f"{user.sub}@example.com", "display_name": user.sub}
            response = http.put("/profiles/me", json=body, headers=user.headers)
            if response.status_code != 200:
                raise RuntimeError(f"seeding profiles: {response.status_code} {response.text}")


def seed_org_visible(app: FastAPI, users: list[User], per_user: int) -> int:
    """Each secure-layout user makes their last `per_user` items visible to the whole org (the
    first ones carry grants), for the org list."""
    jobs = [(user, item_id) for user in users for item_id in user.items["secure"][-per_user:]]
    with TestClient(app) as http:

        def publish(job: tuple[User, str]) -> None:
            user, item_id = job
            path = f"/org/items/{item_id}"
            response = http.patch(path, json={"visibility": "org"}, headers=user.headers)
            if response.status_code != 200:
                raise RuntimeError(f"seeding org items: {response.status_code} {response.text}")

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(publish, jobs))
    return len(jobs) if per_user else 0


def write_shared_fixture(path: Path, users: list[User]) -> Path:
    """Like `write_fixture`, with `<owner_id>/<item_id>` of the items shared with each user."""
    lines = [" ".join([user.token, *user.shared]) for user in users if user.shared]
    path.write_text("\n".join(lines) + "\n")
    return path


BENCH_TEAM = "bench"


def seed_team_grants(app: FastAPI, settings: Settings, users: list[User], per_user: int) -> int:
    """In every org an admin makes team `bench` of the member after each owner; each owner then
    grants that team the editor role on their items `per_user` to `2 * per_user` (items no one
    holds a direct grant on), for the team rows. Returns how many team grants were made."""
    issuer = DevIssuer.load_or_create(settings)
    by_org: dict[str, list[User]] = {}
    for user in users:
        by_org.setdefault(user.org_id, []).append(user)
    jobs: list[tuple[User, User, str]] = []
    with TestClient(app) as http:
        for org, members in by_org.items():
            if len(members) < 2:
                continue
            admin = {"Authorization": f"Bearer {issuer.issue('bench-admin', org, ['admin'])}"}
            response = http.put(f"/org/teams/{BENCH_TEAM}", json={"name": "bench"}, headers=admin)
            if response.status_code not in (200, 201):
                raise RuntimeError(f"seeding teams: {response.status_code} {response.text}")
            for index, owner in enumerate(members):
                member = members[(index + 1) % len(members)]
                path = f"/org/teams/{BENCH_TEAM}/members/{member.sub}"
                if http.put(path, headers=admin).status_code != 200:
                    raise RuntimeError("seeding team members failed")
                jobs += [(owner, member, i) for i in owner.items["secure"][per_user : 2 * per_user]]
        team_grant = f"/org/items/{{item_id}}/team-grants/{BENCH_TEAM}"
        for member, pointer in _grant_editor(http, jobs, team_grant):
            member.team_shared.append(pointer)
    return len(jobs)


def write_team_fixture(path: Path, users: list[User]) -> Path:
    """Like `write_shared_fixture`, with the items shared with each user's team."""
    lines = [" ".join([user.token, *user.team_shared]) for user in users if user.team_shared]
    path.write_text("\n".join(lines) + "\n")
    return path


def seed_tables(
    settings: dict[str, Settings],
    users: list[User],
    sizes: SeedSizes,
    log: Callable[[str], None] = lambda _: None,
) -> None:
    """Everything a run reads: each layout's items and profiles through its own app (the secure
    layout through the secure service, the seed's through the vulnerable app, which the
    remediation shares), then the secure side's grants, org-visible items and team grants."""
    for layout, variant in (("secure", SECURE), ("seed", VULNERABLE)):
        began = time.monotonic()
        table = settings[table_for(variant)]
        app = FACTORIES[variant](table, dynamodb_client(table))
        created = seed_layout(app, layout, users, sizes.items_per_user)
        seed_profiles(app, users)
        log(f"seeded {created} items ({layout} layout) in {time.monotonic() - began:.1f} s")
    began = time.monotonic()
    secure = settings[SECURE_TABLE]
    app = FACTORIES[SECURE](secure, dynamodb_client(secure))
    granted = seed_grants(app, users, sizes.shared_per_user)
    visible = seed_org_visible(app, users, sizes.org_visible_per_user)
    teamed = seed_team_grants(app, secure, users, sizes.shared_per_user) if sizes.teams else 0
    log(
        f"seeded {granted} grants, {visible} org-visible items, {teamed} team grants "
        f"in {time.monotonic() - began:.1f} s"
    )


@dataclass(frozen=True)
class SeedSizes:
    """How much `seed_tables` writes per user."""

    items_per_user: int
    shared_per_user: int
    org_visible_per_user: int
    teams: bool = True


def create_tables(endpoint: str, scratch: Path) -> dict[str, Settings]:
    """Both layouts' tables on the engine at `endpoint`, and the settings of each (keyed by table
    name), for a run or the tripwire."""
    settings = {
        table: Settings(dynamodb_endpoint=endpoint, table=table, data_dir=scratch)
        for table in (SECURE_TABLE, SEED_TABLE)
    }
    client = dynamodb_client(settings[SECURE_TABLE])
    for table in settings:
        create_table(client, table)
    return settings
