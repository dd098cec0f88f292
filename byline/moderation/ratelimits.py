"""Rate limits, declared in one registry of named actions and counted in Django's cache.

With ``REDIS_URL`` set the counters live in Redis, so a limit holds across every app process;
without it they are per process (fine for one ``byline serve``). Fixed windows keep the cost to
one ``add`` and one ``incr`` per scope.
"""

from __future__ import annotations

import ipaddress
import math
import time
from dataclasses import dataclass

from django.core.cache import cache

from byline.core.cache import CacheUnavailable
from byline.discussion.intake import TryLater


@dataclass(frozen=True)
class Limit:
    """At most ``count`` actions per ``seconds`` for one value of one scope."""

    count: int
    seconds: int


@dataclass(frozen=True)
class RateLimitedAction:
    """An action readers can take, with its limits per IP, per email and per account."""

    name: str
    per_ip: Limit | None = None
    per_email: Limit | None = None
    per_account: Limit | None = None
    message: str = "You are doing that too often"


# Every limit Byline applies, in one place.
COMMENT_POST = RateLimitedAction(
    "comment_post",
    per_ip=Limit(5, 60),
    per_email=Limit(10, 600),
    per_account=Limit(10, 600),
    message="You have posted several comments in a short time. Please wait a little",
)
COMMENT_REPORT = RateLimitedAction(
    "comment_report",
    per_ip=Limit(10, 3600),
    per_account=Limit(20, 3600),
    message="You have sent many reports in a short time. Please wait a little",
)
# Asking for another look: once per comment anyway; this stops one person (or a bot with many
# spam comments) filling the appeals queue.
COMMENT_APPEAL = RateLimitedAction(
    "comment_appeal",
    per_ip=Limit(5, 3600),
    per_account=Limit(5, 3600),
    message="You have asked for several reviews in a short time. Please wait a little",
)
# Creating accounts: a person makes one; a script probing which usernames exist makes many.
SIGN_UP = RateLimitedAction(
    "sign_up",
    per_ip=Limit(10, 3600),
    message="Several accounts were created from your address in the last hour. Please wait",
)
# Guessing a protected post's password (publishing.protection).
POST_UNLOCK = RateLimitedAction(
    "post_unlock",
    per_ip=Limit(10, 600),
    message="You have tried several passwords in a short time. Please wait a little",
)
REGISTRY = {
    action.name: action
    for action in (COMMENT_POST, COMMENT_REPORT, COMMENT_APPEAL, SIGN_UP, POST_UNLOCK)
}


class RateLimited(TryLater):
    """Raised when an action is over its limit; ``retry_after`` is in whole seconds. (A
    ``discussion.intake.TryLater``, so the comment form handles it without knowing moderation.)"""

    def __init__(self, action: RateLimitedAction, retry_after: int, *, reason: str = "") -> None:
        self.action = action
        super().__init__(
            f"{reason or action.message} — you can try again in {retry_after} second"
            f"{'s' if retry_after != 1 else ''}. Your text is kept below.",
            retry_after,
        )


# When the counters' store (Redis) does not answer, nobody can be counted, so limited actions
# are refused for a short while — the policy for a store that is down is "closed", said in
# plain words, with the reader's text kept (docs/operations.md). Pages keep serving.
UNCOUNTABLE = (
    "We cannot take this right now because part of the site is briefly unavailable. "
    "Nothing was lost"
)
UNCOUNTABLE_RETRY = 30


def ip_scope(ip: str | None) -> str | None:
    """What one "IP" means for counting: an IPv4 address, or an IPv6 address's /64 network
    (one subscriber usually holds a whole /64, so counting single addresses is no limit)."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def hit(
    action: RateLimitedAction,
    *,
    ip: str | None = None,
    email: str = "",
    account: int | None = None,
    now: float | None = None,
) -> None:
    """Count one use of ``action``; raise ``RateLimited`` if any scope is over its limit."""
    now = time.time() if now is None else now
    scopes = [
        ("ip", ip_scope(ip), action.per_ip),
        ("email", email.strip().lower() or None, action.per_email),
        ("account", account, action.per_account),
    ]
    worst = 0
    for scope, value, limit in scopes:
        if value is None or limit is None:
            continue
        window = int(now // limit.seconds)
        key = f"rl:{action.name}:{scope}:{value}:{window}"
        # add() is a no-op when the key exists, so concurrent first hits cannot reset it.
        cache.add(key, 0, timeout=limit.seconds + 5)
        try:
            used = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=limit.seconds + 5)
            used = 1
        except CacheUnavailable:
            raise RateLimited(action, UNCOUNTABLE_RETRY, reason=UNCOUNTABLE) from None
        if used > limit.count:
            worst = max(worst, math.ceil((window + 1) * limit.seconds - now))
    if worst:
        raise RateLimited(action, max(1, worst))
