"""What `pip install dynaguard` brings: the library, the service and the CLI, but neither the
probe's dependencies nor the tests'; a tool whose extra is missing says which one to install."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import requires

from packaging.requirements import Requirement

BLOCK_YAML = "import sys; sys.modules['yaml'] = None\n"


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCK_YAML + code], capture_output=True, text=True, timeout=60
    )


def _base_and_extras() -> tuple[set[str], dict[str, set[str]]]:
    base: set[str] = set()
    extras: dict[str, set[str]] = {}
    for line in requires("dynaguard") or []:
        requirement = Requirement(line)
        marker = str(requirement.marker or "")
        if "extra ==" in marker:
            extra = marker.split("extra ==")[1].strip().strip("\"'")
            extras.setdefault(extra, set()).add(requirement.name.lower())
        else:
            base.add(requirement.name.lower())
    return base, extras


def test_the_base_install_holds_neither_tool_nor_test_dependencies() -> None:
    base, extras = _base_and_extras()
    assert "pyyaml" in extras["probe"]
    assert base.isdisjoint(extras["probe"] | extras["dev"]), base & (
        extras["probe"] | extras["dev"]
    )
    assert {"fastapi", "boto3", "pyjwt"} <= base


def test_base_requirements_pull_in_no_hidden_extras() -> None:
    """`uvicorn[standard]` brought PyYAML (the probe's dependency) into every install; each extra
    of a base requirement is reviewed here."""
    reviewed = {"pydantic": {"email"}, "pyjwt": {"crypto"}}
    for line in requires("dynaguard") or []:
        requirement = Requirement(line)
        if "extra ==" not in str(requirement.marker or ""):
            assert requirement.extras <= reviewed.get(requirement.name.lower(), set()), line


def test_the_library_and_service_load_without_the_tools() -> None:
    result = _run(
        "import dynaguard.service, dynaguard.fastapi, dynaguard.local\n"
        "tools = ('dynaguard.probe', 'dynaguard.lint', 'yaml')\n"
        "loaded = sorted(m for m, v in sys.modules.items() if v and m.startswith(tools))\n"
        "print(loaded)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_tool_without_its_extra_names_the_extra() -> None:
    call = "from dynaguard.cli import main; sys.argv = {argv!r}; main()"
    for argv in (["dynaguard", "probe", "--target", "http://x"], ["dynaguard", "probe", "--help"]):
        result = _run(call.format(argv=argv))
        assert result.returncode == 2
        assert result.stderr.strip().splitlines() == [
            "error: `dynaguard probe` needs the probe extra (yaml is missing): "
            "pip install 'dynaguard[probe]'"
        ]
    listing = _run(call.format(argv=["dynaguard", "--help"]))
    assert listing.returncode == 0
    assert "pip install 'dynaguard[probe]'" in listing.stdout


def test_with_the_extra_the_tool_is_there() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dynaguard", "probe", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "--target" in result.stdout
