"""`python -m dynaguard` runs the command line."""

from dynaguard.launch import main

main()
