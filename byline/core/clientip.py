"""The reader's own IP address, behind however many proxies the operator declared."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The address rate limits, bans and the audit use for this request, or None.

    With ``BYLINE_PROXY_COUNT = N`` the Nth entry from the right of ``X-Forwarded-For`` (each
    trusted proxy appends the address it saw; anything further left came from the client and
    may be forged). A missing or malformed entry falls back to ``REMOTE_ADDR``.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.BYLINE_PROXY_COUNT
    if proxies:
        chain = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        chain = [a for a in chain if a]
        if len(chain) >= proxies:
            candidate = chain[-proxies]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return remote
