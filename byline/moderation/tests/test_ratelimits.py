"""Rate limits against the local cache and the real Redis a multi-process site uses."""

from __future__ import annotations

import os

import pytest
from django.core.cache import caches
from django.test.utils import override_settings

from byline.moderation.ratelimits import COMMENT_POST, Limit, RateLimited, RateLimitedAction, hit

REDIS = {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
    "KEY_PREFIX": f"byline-rl-test-{os.getpid()}",
}
LOCMEM = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
ACTION = RateLimitedAction("test_action", per_ip=Limit(3, 60), per_email=Limit(5, 600))


@pytest.fixture(params=["locmem", "redis"])
def backend(request):
    chosen = LOCMEM if request.param == "locmem" else REDIS
    with override_settings(CACHES={"default": chosen, "shared": {**chosen, "KEY_PREFIX": "s"}}):
        caches["default"].clear()
        yield request.param
        caches["default"].clear()


def test_it_allows_up_to_the_limit_then_refuses_with_retry_after(backend):
    now = 1_000_040.0  # 20 s into a 60 s window (1,000,020 is a multiple of 60)
    for _ in range(3):
        hit(ACTION, ip="192.0.2.1", now=now)
    with pytest.raises(RateLimited) as info:
        hit(ACTION, ip="192.0.2.1", now=now)
    assert info.value.retry_after == 40
    assert "try again in 40 seconds" in str(info.value)
    hit(ACTION, ip="192.0.2.2", now=now)  # another address is not affected


def test_the_window_resets(backend):
    for _ in range(3):
        hit(ACTION, ip="192.0.2.1", now=60.0)
    hit(ACTION, ip="192.0.2.1", now=121.0)


def test_email_scope_counts_across_addresses_and_is_case_blind(backend):
    for i in range(5):
        hit(ACTION, ip=f"192.0.2.{i}", email="Pat@Example.org", now=10.0)
    with pytest.raises(RateLimited):
        hit(ACTION, ip="192.0.2.99", email="pat@example.org", now=10.0)


def test_redis_counts_are_shared_between_cache_clients():
    # Two separate connections stand in for two app processes.
    from django.core.cache.backends.redis import RedisCache

    with override_settings(CACHES={"default": REDIS, "shared": {**REDIS, "KEY_PREFIX": "s"}}):
        caches["default"].clear()
        for _ in range(3):
            hit(ACTION, ip="198.51.100.1", now=5.0)
        other = RedisCache(REDIS["LOCATION"], {"KEY_PREFIX": REDIS["KEY_PREFIX"]})
        assert other.get("rl:test_action:ip:198.51.100.1:0") == 3
        caches["default"].clear()


def test_comment_posting_is_in_the_registry():
    from byline.moderation.ratelimits import REGISTRY

    assert REGISTRY["comment_post"] is COMMENT_POST and COMMENT_POST.per_ip is not None


def test_ipv6_addresses_of_one_subscriber_share_a_limit():
    from byline.moderation.ratelimits import COMMENT_POST, RateLimited, hit, ip_scope

    assert ip_scope("2001:db8:1:2::5") == ip_scope("2001:db8:1:2:ffff::1") == "2001:db8:1:2::/64"
    assert ip_scope("2001:db8:1:3::5") != ip_scope("2001:db8:1:2::5")
    assert ip_scope("::ffff:192.0.2.1") == "192.0.2.1"
    assert ip_scope("192.0.2.1") == "192.0.2.1" and ip_scope(None) is None
    for i in range(COMMENT_POST.per_ip.count):  # type: ignore[union-attr]
        hit(COMMENT_POST, ip=f"2001:db8:9:9::{i + 1:x}", now=1000.0)
    with pytest.raises(RateLimited):
        hit(COMMENT_POST, ip="2001:db8:9:9::abcd", now=1000.0)
