"""Redis as a cache that may go away: a failure is a miss, never an error page.

Everything Byline keeps in Redis can be rebuilt (pages, settings, tokens, counters), so when
Redis does not answer, reads miss, writes are dropped and the page is made from the database —
slower, logged, and reported by ``/readyz`` and ``byline doctor`` as degraded. After a failure
the cache is skipped for ``RETRY_AFTER`` seconds, so a dead Redis costs one timeout, not one per
call. Counters are the exception: ``incr`` raises ``CacheUnavailable``, because a rate limit
that cannot count must decide openly (``moderation.ratelimits`` refuses comment posting with
"try again", keeping the text; ``accounts.signin`` lets people sign in).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRY_AFTER = 5.0  # seconds


class CacheUnavailable(Exception):
    """The cache could not count (``incr``/``decr``): the caller decides what that means."""


_down_until = 0.0
_last_failure = 0.0
_lock = threading.Lock()


def last_failure() -> float:
    """When (time.time()) this process last found the cache unreachable; 0 if never."""
    return _last_failure


def _is_down() -> bool:
    return time.monotonic() < _down_until


def _failed(exc: BaseException) -> None:
    global _down_until, _last_failure
    with _lock:
        first = not _is_down()
        _down_until = time.monotonic() + RETRY_AFTER
        _last_failure = time.time()
    if first:  # one line per outage window, not one per call
        log.warning("Redis did not answer (%s); serving without the cache for now", exc)


def _guarded(call: Callable[[], T], fallback: T) -> T:
    if _is_down():
        return fallback
    try:
        return call()
    except Exception as exc:  # redis.ConnectionError, TimeoutError, OSError…
        _failed(exc)
        return fallback


class ForgivingRedisCache(RedisCache):
    """Django's RedisCache, with failures turned into misses (see the module's docstring)."""

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return _guarded(
            lambda: super(ForgivingRedisCache, self).get(key, default, version), default
        )

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return _guarded(lambda: super(ForgivingRedisCache, self).get_many(keys, version), {})

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return _guarded(lambda: super(ForgivingRedisCache, self).has_key(key, version), False)

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        _guarded(lambda: super(ForgivingRedisCache, self).set(key, value, timeout, version), None)

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        return _guarded(
            lambda: super(ForgivingRedisCache, self).add(key, value, timeout, version), False
        )

    def set_many(
        self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        return _guarded(
            lambda: super(ForgivingRedisCache, self).set_many(data, timeout, version), list(data)
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return _guarded(
            lambda: super(ForgivingRedisCache, self).touch(key, timeout, version), False
        )

    def delete(self, key: Any, version: int | None = None) -> bool:
        return _guarded(lambda: super(ForgivingRedisCache, self).delete(key, version), False)

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        _guarded(lambda: super(ForgivingRedisCache, self).delete_many(keys, version), None)

    def clear(self) -> None:
        _guarded(lambda: super(ForgivingRedisCache, self).clear(), None)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        if _is_down():
            raise CacheUnavailable("the cache is not answering")
        try:
            return super().incr(key, delta, version)
        except ValueError:
            raise  # the key is missing: the caller's ordinary case
        except Exception as exc:
            _failed(exc)
            raise CacheUnavailable(str(exc)) from exc

    def decr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self.incr(key, -delta, version)
