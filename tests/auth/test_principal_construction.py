"""Only a verifier (or the clearly named test helper) makes a `VerifiedPrincipal`; mypy rejects a
hand-made owner or a constructed principal passed to the store, and so does the run time."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dynaguard.auth import VerifiedPrincipal
from dynaguard.auth.testing import principal

SRC = Path(__file__).resolve().parents[2] / "src"

_PRELUDE = """
from pydantic import BaseModel
from dynaguard.auth import VerifiedPrincipal
from dynaguard.store import EntityType, Store

class Fields(BaseModel):
    name: str

NOTES = EntityType(kind="NOTE", fields=Fields)

def route(store: Store, path_user_id: str, org: str) -> None:
"""


def _mypy(body: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(_PRELUDE + textwrap.indent(textwrap.dedent(body), "    "))
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(snippet)],
        capture_output=True,
        text=True,
        env={"MYPYPATH": str(SRC), "PATH": ""},
        timeout=300,
    )


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        (
            """
            class Owner:
                sub = path_user_id
                org_id = org
                is_admin = False
            store.owned(Owner(), NOTES)
            """,
            'has incompatible type "Owner"',
        ),
        (
            """
            store.owned(VerifiedPrincipal(path_user_id, org, frozenset()), NOTES)
            """,
            'Missing named argument "_minting"',
        ),
    ],
    ids=["hand-made-owner", "constructed-principal"],
)
def test_mypy_refuses_an_owner_the_route_made_up(body: str, complaint: str, tmp_path: Path) -> None:
    result = _mypy(body, tmp_path)
    assert result.returncode == 1, result.stdout
    assert complaint in result.stdout


def test_mypy_accepts_the_callers_own_principal(tmp_path: Path) -> None:
    """Control: the same snippet type-checks when the principal is the one the route was given."""
    result = _mypy("pass\n", tmp_path)
    assert result.returncode == 0, result.stdout
    body = """
    def scoped(store: Store, caller: VerifiedPrincipal) -> None:
        store.owned(caller, NOTES)
    """
    result = _mypy(body, tmp_path)
    assert result.returncode == 0, result.stdout


def test_constructing_a_principal_raises() -> None:
    with pytest.raises(TypeError, match="_minting"):
        VerifiedPrincipal("alice", "acme", frozenset())  # type: ignore[call-arg]


def test_a_forged_minting_argument_raises() -> None:
    with pytest.raises(TypeError, match="verified token only"):
        VerifiedPrincipal("alice", "acme", frozenset(), _minting=object())  # type: ignore[arg-type]


def test_the_test_helper_makes_a_principal_like_the_verifier() -> None:
    made = principal("alice", "acme", ["admin"])
    assert (made.sub, made.org_id, made.is_admin, made.label) == (
        "alice",
        "acme",
        True,
        "acme/alice",
    )
    assert made == principal("alice", "acme", ("admin",))
