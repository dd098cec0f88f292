"""Model building blocks shared by the apps."""

from __future__ import annotations

import logging
import time
from contextvars import ContextVar
from typing import Any, ClassVar, Self

from django.core.cache import caches
from django.db import models

from byline.core import pagecache

log = logging.getLogger(__name__)

# Settings read during one request, so a page that asks ten times pays one cache read. Cleared
# when a request starts (core.apps) and after a second at most, so a long-running command
# sees an editor's change too.
_read: ContextVar[dict[str, tuple[float, Any]] | None] = ContextVar("site_settings", default=None)
_MEMO_SECONDS = 1.0


def forget_settings_reads(**kwargs: Any) -> None:
    """Start afresh (connected to ``request_started``)."""
    _read.set(None)


class SiteSettings(models.Model):
    """A one-row table of settings editors change in the admin, read through the shared cache.

    Settings are read on hot paths (every post page, every comment), so ``current()`` costs a
    cache hit. The copy lives in the cache every app process shares (``CACHES["shared"]``),
    keyed by the site's page-cache token, so ``save()`` reaches them all at once and drops
    every cached page (they show settings) with the same change of token.
    """

    CACHE_KEY: ClassVar[str]
    CACHE_SECONDS: ClassVar[int] = 300

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1
        super().save(*args, **kwargs)
        forget_settings_reads()
        # The cached copy is kept under the site's page-cache token, which this changes now
        # and again at commit: a copy another process read before the commit is never used.
        pagecache.invalidate(pagecache.SITE)

    @classmethod
    def current(cls) -> Self:
        """The settings row, created with defaults the first time."""
        memo = _read.get()
        if memo is None:
            memo = {}
            _read.set(memo)
        now = time.monotonic()
        seen = memo.get(cls.CACHE_KEY)
        if seen is not None and now - seen[0] < _MEMO_SECONDS:
            return seen[1]
        shared = caches["shared"]
        try:
            key = f"{cls.CACHE_KEY}:{pagecache.tokens([pagecache.SITE])[pagecache.SITE]}"
            found = shared.get(key)
        except Exception:  # the shared cache is down: the database still answers
            log.warning("Shared cache unavailable; reading %s from the database", cls.__name__)
            found, _ = cls._default_manager.get_or_create(pk=1)
            return found
        if found is None:
            found, created = cls._default_manager.get_or_create(pk=1)
            if created:  # creating it saved it, which changed the token
                key = f"{cls.CACHE_KEY}:{pagecache.tokens([pagecache.SITE])[pagecache.SITE]}"
            shared.set(key, found, cls.CACHE_SECONDS)
        memo[cls.CACHE_KEY] = (now, found)
        return found
