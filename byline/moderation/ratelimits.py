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
REGISTRY = {action.name: action for action in (COMMENT_POST, COMMENT_REPORT, COMMENT_APPEAL)}


class RateLimited(Exception):
    """Raised when an action is over its limit; ``retry_after`` is in whole seconds."""

    def __init__(self, action: RateLimitedAction, retry_after: int) -> None:
        self.action = action
        self.retry_after = retry_after
        super().__init__(
            f"{action.message} — you can try again in {retry_after} second"
            f"{'s' if retry_after != 1 else ''}. Your text is kept below."
        )


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
        if used > limit.count:
            worst = max(worst, math.ceil((window + 1) * limit.seconds - now))
    if worst:
        raise RateLimited(action, max(1, worst))
