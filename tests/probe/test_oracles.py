"""The probe's data oracles, one rule per test: which values are someone's secrets, which moved
fields make a write a per-caller action, which fields of an object the anonymous caller was shown,
which records of a list are a throwaway account's own, and the proof and threshold rules of
findings."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from dynaguard.probe.checks.mass_assignment import own_records
from dynaguard.probe.engine.judge import canary_fields, published
from dynaguard.probe.engine.registration import Account
from dynaguard.probe.engine.relations import is_relation_route, only_counters
from dynaguard.probe.engine.sensitive import classify, is_card_number, luhn, secrets_in
from dynaguard.probe.engine.transport import Exchange
from dynaguard.probe.findings import STATE, STATUS_ONLY, Finding, ProbeResult
from dynaguard.probe.spec.operations import Operation

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXZhbHVl"


@pytest.mark.parametrize(
    ("field", "value", "what"),
    [
        ("password", "hunter22", "password"),
        ("hashed_password", "$2b$12$abcdefghijklmnopqrstuv", "password"),
        ("passwordHash", "anything-at-all", "password"),
        ("pw", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", "password hash"),
        ("digest", "pbkdf2_sha256$600000$salt$hash", "password hash"),
        ("card_number", "4111111111111111", "card number"),
        ("pan", 5555555555554444, "card number"),
        ("note", "4242 4242 4242 4242", "card number"),
        ("cvv", "123", "cvv"),
        ("CVC", "9876", "cvv"),
        ("api_key", "k-12345678", "api key"),
        ("whatever", "sk_live_abcdefgh12345678", "api key"),
        ("creds", "AKIAABCDEFGHIJKLMNOP", "api key"),
        ("access_token", "opaque-value-1", "bearer token"),
        ("header", f"Bearer {JWT}", "bearer token"),
        ("reset_token", "r-1234", "reset token"),
        ("ssn", "078-05-1120", "national id"),
        ("tax_id", "DE123456789", "national id"),
        ("national-id", "AB123456C", "national id"),
    ],
)
def test_secrets_are_recognised_by_name_and_by_shape(field: str, value: Any, what: str) -> None:
    assert classify(field, value) == what


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("password", ""),  # empty
        ("password", "********"),  # masked
        ("password", None),
        ("card_number", "4111111111111112"),  # Luhn fails
        ("id", 4111111111111111),  # a Luhn-valid number in an id field is an id
        ("order_id", "4111111111111111"),
        ("phone", "0000000000000"),
        ("title", "dgc0123abcde"),  # a canary
        ("token_type", "bearer"),
        ("next_token", "page-2"),
        ("created", "2024-01-01"),
        ("has_password", True),
    ],
)
def test_ordinary_values_are_not_secrets(field: str, value: Any) -> None:
    assert classify(field, value) is None


def test_luhn_and_card_shape() -> None:
    assert luhn("79927398713") and not luhn("79927398710")
    assert is_card_number("4111-1111-1111-1111")
    assert not is_card_number("4111111111111111")  # no card-named field, no grouping
    assert is_card_number("4111111111111111", "cardNumber")


def test_secrets_carry_the_record_that_holds_them() -> None:
    data = {"users": [{"username": "alice", "password_hash": "$2b$12$aaaaaaaaaaaaaaaaaaaaaa"},
                      {"username": "bob", "bio": "hi"}]}  # fmt: skip
    found = secrets_in(data)
    assert [(s.what, s.field, s.record["username"]) for s in found] == [
        ("password", "password_hash", "alice")
    ]


def _op(path: str, method: str = "POST") -> Operation:
    return Operation(method, path, None, ())


def test_relation_routes_are_a_static_segment_after_an_id() -> None:
    assert is_relation_route(_op("/posts/{post_id}/like"))
    assert is_relation_route(_op("/api/profiles/{username}/follow", "DELETE"))
    assert not is_relation_route(_op("/posts/{post_id}"))
    assert not is_relation_route(_op("/posts"))


def test_only_counters_and_caller_relative_fields_make_a_per_caller_action() -> None:
    before = {"article": {"title": "t", "favorited": False, "favoritesCount": 0, "tags": ["a"]}}
    liked = {"article": {"title": "t", "favorited": True, "favoritesCount": 1, "tags": ["a"]}}
    retitled = {"article": {"title": "x", "favorited": False, "favoritesCount": 0, "tags": ["a"]}}
    commented = {"id": 1, "body": "b", "comments": [1, 2], "comment_count": 2}
    assert only_counters(before, liked)
    assert not only_counters(before, retitled)
    assert only_counters({"id": 1, "body": "b", "comments": [1], "comment_count": 1}, commented)
    assert only_counters({"following": False}, {"following": True})


def _finding(kind: str, proof: str, cross: bool = False) -> Finding:
    return Finding(kind, "GET /x", "bob", "alice", "m", cross_tenant=cross, proof=proof)


def test_a_status_only_result_is_never_high() -> None:
    for kind in ("bola-write", "bfla", "unauthenticated", "bola-delete"):
        assert _finding(kind, STATUS_ONLY).severity == "low"
        assert _finding(kind, STATUS_ONLY, cross=True).severity == "low"
    assert _finding("bola-write", STATE).severity == "high"
    assert _finding("bola-write", STATE, cross=True).severity == "critical"


@pytest.mark.parametrize(
    ("fail_on", "low_only", "with_high"),
    [("info", 1, 1), ("low", 1, 1), ("medium", 0, 1), ("high", 0, 1)],
)
def test_fail_on_thresholds(fail_on: str, low_only: int, with_high: int) -> None:
    def result(findings: list[Finding]) -> ProbeResult:
        return ProbeResult("http://t", findings, 1, 0.1, 1, [], [], fail_on=fail_on)

    assert result([_finding("unenforced-2xx", STATUS_ONLY)]).exit_code == low_only
    assert result([_finding("bola-read", STATE)]).exit_code == with_high
    assert result([]).exit_code == 0
    damaged = result([_finding("bola-read", STATE)])
    damaged.damage = "the probe's PUT /users/role made alice's requests fail"
    assert damaged.exit_code == 3


def test_canary_fields_names_every_field_showing_a_canary() -> None:
    board = {"bookings": [{"court": "dgc0123456ab", "by": "alice"}, {"court": "dgc0123456cd"}]}
    assert canary_fields(board) == {"dgc0123456ab": {"court"}, "dgc0123456cd": {"court"}}
    item = {"court": "dgc0123456ab", "memo": "note dgc0123456ab", "tags": ["dgc0123456ab"]}
    assert canary_fields(item) == {"dgc0123456ab": {"court", "memo", "tags"}}
    assert canary_fields("plain dgc0123456ab text") == {"dgc0123456ab": {""}}
    assert canary_fields({"court": "dgc0123456", "n": 4}) == {}  # too short: no canary


def _answer(data: Any) -> Exchange:
    text = json.dumps(data)
    return Exchange("bob", "GET", "/x", {}, "", 200, {}, text, text, data)


def test_a_canary_is_public_only_as_fully_as_the_anonymous_caller_saw_it() -> None:
    ctx: Any = SimpleNamespace(
        public_canaries={"dgc0123456ab", "dgc0123456cd"},
        public_fields={"dgc0123456ab": {"court"}, "dgc0123456cd": {"title", "body"}},
    )
    court = {"dgc0123456ab"}
    assert published(ctx, court, _answer({"court": "dgc0123456ab", "by": "alice"}))
    assert not published(ctx, court, _answer({"court": "dgc0123456ab", "memo": "dgc0123456ab"}))
    post = {"dgc0123456cd"}
    assert published(ctx, post, _answer({"text": "dgc0123456cd"}))  # the same data, renamed
    assert not published(ctx, {"dgc0123456ef"}, _answer({"court": "dgc0123456ef"}))
    ctx.public_fields.clear()  # published without fields (a shared object): every field public
    assert published(ctx, court, _answer({"court": "dgc0123456ab", "memo": "dgc0123456ab"}))


def test_own_records_are_the_entries_naming_the_account() -> None:
    account = Account("dgv0123456ab", "dgv0123456ab@example.test", "pw")
    roster = {
        "members": [
            {"username": "alice", "is_admin": True},
            {"username": "dgv0123456ab", "is_admin": True},
            {"handle": "x", "email": "dgv0123456ab@example.test"},
        ]
    }
    assert own_records(roster, account) == roster["members"][1:]
    assert own_records({"owner": "dgv0123456ab", "admin": True}, account) == []
    assert own_records([{"username": "bob"}], account) == []
