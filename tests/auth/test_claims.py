"""The key-segment rule the store reuses: nothing that could forge or split a DynamoDB key."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from dynaguard.auth import KEY_SEGMENT_PATTERN, valid_key_segment
from dynaguard.auth.claims import parse_roles

_ALLOWED_REST = string.ascii_letters + string.digits + "_.@:+|-"
_ALLOWED_FIRST = string.ascii_letters + string.digits + "_-"


def test_typical_identity_provider_ids_are_accepted() -> None:
    for value in (
        "alice",
        "3f1c2b9e-8c1d-4e55-9a55-0f0b6f1d2c3a",
        "auth0|5f7c8ec7c33c6c004bbafe82",
        "google-oauth2|104683104365",
        "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
        "_pairwise-id",
        "alice@example.com",
        "a" * 128,
    ):
        assert valid_key_segment(value), value


def test_separators_whitespace_and_oddities_are_rejected() -> None:
    for value in (
        "",
        "a#b",
        "#",
        "a b",
        "a\n",
        "a\t",
        "a\x00",
        ".hidden",
        "@x",
        "a/b",
        "ü",
        "a" * 129,
    ):
        assert not valid_key_segment(value), repr(value)
    assert not valid_key_segment(None)
    assert not valid_key_segment(12)


@given(st.text(min_size=1, max_size=200))
def test_accepted_values_are_short_printable_ascii_without_hash(value: str) -> None:
    if valid_key_segment(value):
        assert len(value) <= 128
        assert "#" not in value
        assert all(char in _ALLOWED_REST for char in value)


@given(
    st.sampled_from(_ALLOWED_FIRST),
    st.text(alphabet=_ALLOWED_REST, max_size=127),
)
def test_everything_from_the_alphabet_is_accepted(first: str, rest: str) -> None:
    assert valid_key_segment(first + rest)
    assert KEY_SEGMENT_PATTERN.fullmatch(first + rest)


def test_roles_from_list_or_space_separated_string() -> None:
    assert parse_roles(["admin", "viewer"]) == {"admin", "viewer"}
    assert parse_roles("admin  viewer") == {"admin", "viewer"}
    assert parse_roles(None) == frozenset()
    assert parse_roles("") == frozenset()
