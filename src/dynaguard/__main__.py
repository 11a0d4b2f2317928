"""`python -m dynaguard` runs the command line."""

from dynaguard.cli import main

main()
