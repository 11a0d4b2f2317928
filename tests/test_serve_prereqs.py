"""`./scripts/serve` and `./scripts/test` on a machine without Java and npm: both run
`scripts/_prereqs`, which installs the missing ones with apt. Checked with a PATH that hides
the real tools and a stand-in `apt-get` that records its calls and "installs" stand-ins."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PREREQS = REPO / "scripts" / "_prereqs"

FAKE_APT = """#!/bin/bash
echo "$*" >> "{log}"
if [ "$1" = install ]; then
    for package in "$@"; do
        case "$package" in
            openjdk-*) tool=java ;;
            npm) tool=npm ;;
            *) continue ;;
        esac
        printf '#!/bin/sh\\nexit 0\\n' > "{bin}/$tool"
        /bin/chmod +x "{bin}/$tool"
    done
fi
"""


def _bin(tmp_path: Path, *, apt: bool, tools: tuple[str, ...]) -> tuple[Path, Path]:
    """A PATH of one directory: `id`, `env`, optionally the fake apt-get and stand-in tools."""
    bin_dir, log = tmp_path / "bin", tmp_path / "apt.log"
    bin_dir.mkdir()
    for real in ("id", "env"):
        for folder in ("/usr/bin", "/bin"):
            if Path(folder, real).exists():
                (bin_dir / real).symlink_to(Path(folder, real))
                break
    if apt:
        (bin_dir / "apt-get").write_text(FAKE_APT.format(log=log, bin=bin_dir))
        (bin_dir / "apt-get").chmod(0o755)
    for tool in tools:
        (bin_dir / tool).write_text("#!/bin/sh\nexit 0\n")
        (bin_dir / tool).chmod(0o755)
    return bin_dir, log


def _prereqs(bin_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(bin_dir), "HOME": str(bin_dir)}
    return subprocess.run(
        ["/bin/bash", str(PREREQS)], capture_output=True, text=True, env=env, timeout=60
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="the script uses sudo when not root")
def test_missing_java_and_npm_are_installed_with_apt(tmp_path: Path) -> None:
    bin_dir, log = _bin(tmp_path, apt=True, tools=())
    done = _prereqs(bin_dir)
    assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines()
    assert calls[0] == "update -qq"
    assert calls[1] == "install -y -qq openjdk-17-jre-headless npm"
    assert (bin_dir / "java").exists() and (bin_dir / "npm").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="the script uses sudo when not root")
def test_only_the_missing_tool_is_installed(tmp_path: Path) -> None:
    bin_dir, log = _bin(tmp_path, apt=True, tools=("java",))
    assert _prereqs(bin_dir).returncode == 0
    assert log.read_text().splitlines()[1] == "install -y -qq npm"


def test_nothing_is_installed_when_both_are_there(tmp_path: Path) -> None:
    bin_dir, log = _bin(tmp_path, apt=True, tools=("java", "npm"))
    done = _prereqs(bin_dir)
    assert done.returncode == 0
    assert not log.exists()
    assert done.stdout == ""


def test_without_apt_it_says_what_to_install(tmp_path: Path) -> None:
    bin_dir, _ = _bin(tmp_path, apt=False, tools=())
    done = _prereqs(bin_dir)
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "error: missing openjdk-17-jre-headless npm and there is no apt-get; "
        "install Java 17+ and npm"
    )


@pytest.mark.parametrize("script", ["serve", "test"])
def test_both_readme_commands_run_the_prerequisites_first(script: str) -> None:
    lines = (REPO / "scripts" / script).read_text().splitlines()
    commands = [line for line in lines if line and not line.startswith(("#", "set ", "cd "))]
    assert commands[0] == "./scripts/_prereqs"
