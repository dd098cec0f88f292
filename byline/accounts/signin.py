"""Signing in: wrong passwords cost growing waits, per account name and per address.

Every fifth wrong password for one account name (whether or not the account exists, so the
answer tells nothing about which names do) locks that name for a while: 30 seconds, then 1,
2, 4 … minutes, at most an hour. Every twentieth from one address locks the address the same
way, so one machine cannot try many names either. A right password clears the name's count.
While locked, no password is checked at all — the right one waits too — and the form says how
long to wait. Counts live in Django's default cache (Redis when configured, shared by every
process); if the cache is down, sign-in keeps working without limits (logged), because a site
whose moderators cannot sign in is worse than one without this brake.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from byline.core.clientip import client_ip

log = logging.getLogger(__name__)

PER_NAME_EVERY = 5
PER_ADDRESS_EVERY = 20
FIRST_WAIT = 30  # seconds
LONGEST_WAIT = 3600
# Counts are forgotten a day after the last failure.
MEMORY = 24 * 3600


def _keys(kind: str, value: str) -> tuple[str, str]:
    return f"signin:{kind}:{value}:failures", f"signin:{kind}:{value}:until"


def _scopes(request: HttpRequest | None, username: str) -> list[tuple[str, str, int]]:
    scopes = [("name", username.strip().casefold()[:150], PER_NAME_EVERY)]
    ip = client_ip(request) if request is not None else None
    if ip:
        scopes.append(("ip", ip, PER_ADDRESS_EVERY))
    return scopes


def wait_seconds(request: HttpRequest | None, username: str, now: float | None = None) -> int:
    """How long this name or address must wait before its next try (0: it may try now)."""
    now = time.time() if now is None else now
    try:
        until = max(
            (
                float(cache.get(_keys(kind, value)[1]) or 0)
                for kind, value, _ in _scopes(request, username)
            ),
            default=0.0,
        )
    except Exception:  # the cache is down: no brake rather than no sign-in
        log.warning("sign-in limits unavailable: the cache did not answer", exc_info=True)
        return 0
    return max(0, math.ceil(until - now))


def lock_length(failures: int, every: int) -> int:
    """The wait after ``failures`` wrong passwords (0 unless it is a multiple of ``every``):
    30 s at the first lock, doubling each time, at most an hour."""
    if failures <= 0 or failures % every:
        return 0
    return int(min(LONGEST_WAIT, FIRST_WAIT * 2 ** (failures // every - 1)))


def failed(request: HttpRequest | None, username: str, now: float | None = None) -> None:
    """Count a wrong password for this name and address; lock them when it is time."""
    now = time.time() if now is None else now
    try:
        for kind, value, every in _scopes(request, username):
            failures_key, until_key = _keys(kind, value)
            cache.add(failures_key, 0, timeout=MEMORY)
            try:
                failures = cache.incr(failures_key)
            except ValueError:
                cache.set(failures_key, 1, timeout=MEMORY)
                failures = 1
            cache.touch(failures_key, MEMORY)
            wait = lock_length(failures, every)
            if wait:
                cache.set(until_key, now + wait, timeout=wait + 5)
    except Exception:
        log.warning("sign-in limits unavailable: the cache did not answer", exc_info=True)


def succeeded(request: HttpRequest | None, username: str) -> None:
    """A right password: the name's count starts again (the address's does not)."""
    try:
        cache.delete_many(list(_keys("name", username.strip().casefold()[:150])))
    except Exception:
        log.warning("sign-in limits unavailable: the cache did not answer", exc_info=True)


def _wait_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class LimitedSignIn:
    """What both sign-in forms (the site's and the admin's) add to Django's: the brake."""

    request: HttpRequest | None
    cleaned_data: dict[str, Any]

    def clean(self) -> dict[str, Any]:
        username = str(self.cleaned_data.get("username") or "")
        wait = wait_seconds(self.request, username)
        if wait:
            raise ValidationError(
                "Too many wrong passwords for this account or from this address. "
                f"Please wait {_wait_words(wait)} and try again.",
                code="too_many_attempts",
            )
        try:
            cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        except ValidationError:
            failed(self.request, username)
            raise
        succeeded(self.request, username)
        return cleaned


class SignInForm(LimitedSignIn, AuthenticationForm):
    """``/accounts/login/``."""


class AdminSignInForm(LimitedSignIn, AdminAuthenticationForm):
    """``/admin/login/``."""
