from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from byline.core.caching import is_personal


def site(request: HttpRequest) -> dict[str, Any]:
    """Site-wide template values; ``personal`` says whether per-visitor markup may appear."""
    return {"site_name": settings.BYLINE_SITE_NAME, "personal": is_personal(request)}
