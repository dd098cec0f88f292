"""Discussion settings are read from the cache and a save invalidates it.

Runs against the real Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379/15), as a
multi-process deployment uses, and against the local-memory cache of a single process.
"""

from __future__ import annotations

import os

import pytest
from django.core.cache import caches
from django.test.utils import override_settings

from byline.discussion.models import DiscussionSettings

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

BACKENDS = {
    "redis": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"byline-test-{os.getpid()}",
    },
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_a_saved_change_is_seen_through_the_cache(backend, django_assert_num_queries):
    with override_settings(CACHES={"default": BACKENDS[backend]}):
        caches["default"].clear()
        DiscussionSettings.current()  # fills the cache
        with django_assert_num_queries(0):
            assert DiscussionSettings.current().hold_new_comments is False
        rules = DiscussionSettings.current()
        rules.hold_new_comments = True
        rules.save()
        assert DiscussionSettings.current().hold_new_comments is True
        assert DiscussionSettings.objects.count() == 1
        caches["default"].clear()
