"""``python -m ikesim`` is the ``ikesim`` command."""

from ikesim.cli import main

main()
