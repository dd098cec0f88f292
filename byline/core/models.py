"""Model building blocks shared by the apps."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from django.core.cache import cache
from django.db import models


class SiteSettings(models.Model):
    """A one-row table of settings editors change in the admin, read through the cache.

    Settings are read on hot paths (every post page, every comment), so ``current()`` costs a
    cache hit; ``save()`` drops the cached copy so every process sees the change.
    """

    CACHE_KEY: ClassVar[str]
    CACHE_SECONDS: ClassVar[int] = 300

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1
        super().save(*args, **kwargs)
        cache.delete(self.CACHE_KEY)

    @classmethod
    def current(cls) -> Self:
        """The settings row, created with defaults the first time."""
        found = cache.get(cls.CACHE_KEY)
        if found is None:
            found, _ = cls._default_manager.get_or_create(pk=1)
            cache.set(cls.CACHE_KEY, found, cls.CACHE_SECONDS)
        return found
