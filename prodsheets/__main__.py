"""``python -m prodsheets`` is the same as the ``prodsheets`` command."""

from prodsheets.cli import main

main()
