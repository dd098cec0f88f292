"""The score at which each classifier acts, chosen from the site's own decisions.

A threshold the site typed in (``ModerationSettings.spam_threshold`` / ``abuse_threshold``) is
used as it is. Left empty, the threshold is the lowest score that keeps the share of the site's
good comments flagged at the site's target (``spam_target`` / ``abuse_target``: 1 % and 2 % by
default), measured on held-out scores of the comments moderators approved — scores the model
gave each approved comment before it learned from it, so the estimate is honest.
"""

from __future__ import annotations

from byline.moderation.models import ModerationSettings

#: Used until a site has enough decisions to choose its own (the shipped models' calibration).
SHIPPED = {"spam": 0.72, "abuse": 0.5}


def current_thresholds(rules: ModerationSettings | None = None) -> dict[str, float]:
    """The score at or above which each classifier acts now, per kind."""
    rules = rules or ModerationSettings.current()
    chosen = {"spam": rules.spam_threshold, "abuse": rules.abuse_threshold}
    return {kind: SHIPPED[kind] if value is None else float(value) for kind, value in chosen.items()}
