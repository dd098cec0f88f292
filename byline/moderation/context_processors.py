"""Template values the moderation app adds to every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from byline.moderation.models import ModerationSettings


def moderation(request: HttpRequest) -> dict[str, Any]:
    """``public_moderation_log``: whether the footer links to /moderation-log/ (read lazily, so
    pages that never ask pay nothing)."""
    return {
        "public_moderation_log": SimpleLazyObject(lambda: ModerationSettings.current().public_log)
    }
