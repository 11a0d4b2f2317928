"""The `dynaguard` console entry. `dynaguard lint ...` starts with the linter alone (pre-commit
runs it on every commit: no FastAPI, probe or settings to import); every other command, and
`--help`, goes to the full command line."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:2] == ["lint"]:
        from dynaguard.lint.command import main as lint_main

        lint_main(sys.argv[2:])
        return
    from dynaguard.cli import main as cli_main

    cli_main()
