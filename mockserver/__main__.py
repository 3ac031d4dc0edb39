"""``python -m mockserver``: the command line."""

from mockserver.cli import main

main()
