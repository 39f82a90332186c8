"""``python -m mlwarden``."""

from mlwarden.cli import entry_point

entry_point()
