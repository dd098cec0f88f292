"""Shipped starting weights (``spam.json``, ``abuse.json``); see ``CREDITS.md``."""
