"""Discussion settings are read from the shared cache and a save invalidates it.

Runs against the real Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379/15), as a
multi-process deployment uses, and against the files a single machine without Redis uses.
"""

from __future__ import annotations

import os

import pytest
from django.core.cache import caches
from django.test.utils import override_settings

from byline.core.models import forget_settings_reads
from byline.discussion.models import DiscussionSettings

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

BACKENDS = {
    "redis": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"byline-test-{os.getpid()}",
    },
    "files": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_a_saved_change_is_seen_through_the_cache(backend, django_assert_num_queries, tmp_path):
    shared = dict(BACKENDS[backend])
    if backend == "files":
        shared["LOCATION"] = str(tmp_path)
    local = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    with override_settings(CACHES={"default": local, "shared": shared}):
        caches["shared"].clear()
        DiscussionSettings.current()  # creates the row (a change of the site's token)
        forget_settings_reads()  # as at the start of the next request
        DiscussionSettings.current()  # fills the cache
        forget_settings_reads()
        with django_assert_num_queries(0):
            assert DiscussionSettings.current().hold_new_comments is False
        rules = DiscussionSettings.current()
        rules.hold_new_comments = True
        rules.save()
        assert DiscussionSettings.current().hold_new_comments is True
        # Another process reads the shared cache, not this one's memory.
        forget_settings_reads()
        with django_assert_num_queries(0):
            assert DiscussionSettings.current().hold_new_comments is True
        assert DiscussionSettings.objects.count() == 1
        caches["shared"].clear()


@pytest.mark.django_db
def test_a_copy_read_before_the_commit_is_never_used_after_it(django_capture_on_commit_callbacks):
    from byline.core import pagecache

    rules = DiscussionSettings.current()
    with django_capture_on_commit_callbacks(execute=True):
        rules.hold_new_comments = True
        rules.save()
        # Another process, reading before the commit, stores the old row under the token of
        # that moment.
        token = pagecache.tokens([pagecache.SITE])[pagecache.SITE]
        stale = DiscussionSettings(pk=1, hold_new_comments=False)
        caches["shared"].set(f"{DiscussionSettings.CACHE_KEY}:{token}", stale)
    forget_settings_reads()
    assert DiscussionSettings.current().hold_new_comments is True
