"""Test helpers for moderation."""

from __future__ import annotations

from byline.moderation.models import ModerationSettings


def moderation_off() -> ModerationSettings:
    """Switch off every automatic hold (trust, timing, links, classifiers) via the site's
    settings. Bans, word lists, duplicates, honeypot and rate limits still apply."""
    rules = ModerationSettings.current()
    rules.trust_threshold = 0
    rules.min_seconds_to_submit = 0
    rules.link_limit = 100
    rules.spam_threshold = 1.0
    rules.abuse_threshold = 1.0
    rules.save()
    return rules
