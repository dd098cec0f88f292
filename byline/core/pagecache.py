"""The page cache: a stranger's page is answered from memory, before sessions, URL resolution
or the database, and dropped the moment anything it shows changes.

How it stays exact (see ARCHITECTURE.md, "The page cache"):

* A page *depends on* named parts of the site: every page on ``site`` (settings, people,
  categories — anything shown everywhere), listings, feeds and the sitemap on ``lists`` (which
  posts are published), a post's pages — and every listing page that shows it with its
  comment count — on ``post:<id>``. Each part has a *token* in the shared cache (Redis,
  or files on a single machine), a fresh random value written whenever the part changes
  (``invalidate``: at once, and again when the transaction commits, so a reader who rendered
  between the two cannot keep what it saw).
* A view declares its parts (``depends_on``) *before* it reads what it shows. The stored page
  keeps the tokens it was rendered under; it is served only while every one of them is still
  current, which every process checks on every hit with one round trip to the shared cache. So
  a comment approved in one process is visible through every other on the next request.
* A page rendered while one of its parts changed is not stored. Only one process renders a
  missing page at a time; the others wait for it (a stampede costs one render).
* Listings that a scheduled post will change carry the moment it goes live (``valid_until``).
* Only strangers' pages are stored: a request with a session, CSRF or messages cookie is never
  answered from or stored in the cache, and a response is stored only if the view marked it
  ``Cache-Control: public`` and it sets no cookie (``byline.core.caching``).

Pages are kept in the shared cache and, to spare the network and unpickling on every hit, in a
bounded in-process copy (``BYLINE_PAGE_CACHE_MEMORY_MB``) that is validated the same way.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import BaseCache, caches
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import patch_cache_control
from django.utils.http import http_date, urlencode

from byline.core import pagefiles

log = logging.getLogger(__name__)

SITE = "site"
LISTS = "lists"
# Query parameters a cached page may depend on. Tracking parameters (a link shared on social
# media) are left out of the key, so those links still hit the cache; a request with any other
# parameter (``/?p=123`` from an old WordPress link, the sitemap's ``?p=2``) bypasses the cache.
PARAMS = frozenset({"page", "cpage", "replyto"})
TRACKING = frozenset({
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "utm_id", "fbclid",
    "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "twclid", "ref_src", "ref",
})  # fmt: skip
ENTRY_SECONDS = 7 * 24 * 3600
TOKEN_SECONDS = 30 * 24 * 3600
LOCK_SECONDS = 10
# How long a request waits for another process rendering the same page before rendering itself.
WAIT_SECONDS = 5.0
WAIT_STEP = 0.003
HIT_HEADER = "X-Byline-Cache"
# Addresses that are not pages: never looked up, locked or stored here.
NOT_PAGES = ("/api/",)


def post_part(post_id: int) -> str:
    """The part a post's own pages (and their comment pages) depend on."""
    return f"post:{post_id}"


def enabled() -> bool:
    return bool(settings.BYLINE_PAGE_CACHE)


def store() -> BaseCache:
    """The shared cache (``CACHES["shared"]``): Redis, or files on a single machine."""
    return caches["shared"]


# The cookie that opens password-protected posts (``publishing.protection``): a page shown to
# its holder may hold what strangers must not see.
UNLOCK_COOKIE = "byline_unlock"


def personal_cookies() -> tuple[str, ...]:
    """Cookies that make a request's page this visitor's own (never shared)."""
    return (
        settings.SESSION_COOKIE_NAME,
        settings.CSRF_COOKIE_NAME,
        CookieStorage.cookie_name,
        UNLOCK_COOKIE,
    )


def has_personal_cookie(request: HttpRequest) -> bool:
    cookies = request.COOKIES
    return any(name in cookies for name in personal_cookies())


# -- what the cached copy of a page is -----------------------------------------------------------


@dataclass
class Entry:
    """A stored page: its bytes and headers, and the tokens it was rendered under."""

    body: bytes
    headers: list[tuple[str, str]]
    parts: dict[str, str]
    etag: str
    last_modified: float
    valid_until: float | None = None

    def response(self, request: HttpRequest) -> HttpResponse:
        response = HttpResponse(self.body)
        for name, value in self.headers:
            response[name] = value
        response["ETag"] = self.etag
        response["Last-Modified"] = http_date(self.last_modified)
        response["Content-Length"] = str(len(self.body))
        response[HIT_HEADER] = "hit"
        if self.valid_until is not None:
            _cap_max_age(response, self.valid_until)
        return response


def _cap_max_age(response: HttpResponseBase, until: float) -> None:
    """Downstream caches must not keep a page past the moment it changes by itself."""
    left = max(0, int(until - time.time()))
    if left < settings.BYLINE_PAGE_MAX_AGE:
        patch_cache_control(response, max_age=left, stale_while_revalidate=0)


class _Memory:
    """The in-process copy: least recently used pages go first once over the byte budget."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.used = 0
        self.pages: OrderedDict[str, Entry] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> Entry | None:
        with self.lock:
            entry = self.pages.get(key)
            if entry is not None:
                self.pages.move_to_end(key)
            return entry

    def put(self, key: str, entry: Entry) -> None:
        size = len(entry.body)
        if size > self.budget // 4:
            return
        with self.lock:
            old = self.pages.pop(key, None)
            if old is not None:
                self.used -= len(old.body)
            self.pages[key] = entry
            self.used += size
            while self.used > self.budget and self.pages:
                _, dropped = self.pages.popitem(last=False)
                self.used -= len(dropped.body)

    def drop(self, key: str) -> None:
        with self.lock:
            old = self.pages.pop(key, None)
            if old is not None:
                self.used -= len(old.body)

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()
            self.used = 0


_memory = _Memory(settings.BYLINE_PAGE_CACHE_MEMORY_MB * 1024 * 1024)


# -- tokens ----------------------------------------------------------------------------------------


def _token_key(part: str) -> str:
    return f"t:{part}"


def _new_token() -> str:
    return f"{time.time():.6f}:{secrets.token_hex(6)}"


def tokens(parts: Iterable[str]) -> dict[str, str]:
    """The current token of each part, creating the missing ones."""
    parts = list(parts)
    cache = store()
    found = cache.get_many([_token_key(p) for p in parts])
    result = {p: found.get(_token_key(p)) for p in parts}
    for part, token in result.items():
        if token is None:
            cache.add(_token_key(part), _new_token(), TOKEN_SECONDS)
            result[part] = cache.get(_token_key(part)) or ""
    return result  # type: ignore[return-value]


def _bump(parts: tuple[str, ...]) -> None:
    try:
        store().set_many({_token_key(p): _new_token() for p in parts}, TOKEN_SECONDS)
    except Exception:  # a cache outage must never undo or break the change itself
        log.exception("Could not invalidate cached pages for %s", ", ".join(parts))
    pagefiles.remove(parts)


def invalidate(*parts: str) -> None:
    """Drop every cached page that shows any of ``parts``, now and again after the current
    transaction commits (a page rendered in between from uncommitted-yet data is dropped then)."""
    # Tokens are kept even while the cache is switched off, so turning it back on never
    # serves a page stored before a change.
    if not parts:
        return
    held = _held.get()
    if held is not None:
        held.update(parts)
        return
    _bump(parts)
    transaction.on_commit(lambda: _bump(parts), robust=True)


# Parts to drop when the current ``invalidating_once`` block ends (None: outside one).
_held: ContextVar[set[str] | None] = ContextVar("pagecache_held", default=None)


def held(part: str) -> bool:
    """Is ``part`` already noted to be dropped when the current ``invalidating_once`` ends?"""
    parts = _held.get()
    return parts is not None and part in parts


@contextmanager
def invalidating_once() -> Iterator[None]:
    """Within this block ``invalidate`` only notes its parts; each is dropped once when the
    block ends. For writers of many rows in one transaction (an import), whose changes nobody
    sees before the commit: open it outside the transaction, so the drop follows the commit,
    instead of writing tokens to the shared cache for every row."""
    outer = _held.get()
    token = _held.set(set())
    try:
        yield
    finally:
        parts = _held.get() or set()
        _held.reset(token)
        if outer is not None:
            outer.update(parts)
        elif parts:
            # Every page depends on the site: when it is among them, it alone drops them all.
            invalidate(*([SITE] if SITE in parts else sorted(parts)))


def clear() -> None:
    """Forget every cached page, token and copy of the settings (tests; ``byline pagecache
    clear``). On Redis only this cache's own keys go, never the rest of the database."""
    _memory.clear()
    cache = store()
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(write=True)
        pattern = cache.make_key("*").replace(f":{cache.version}:*", ":*")
        for keys in _batched(client.scan_iter(match=pattern, count=1000), 500):
            client.delete(*keys)
    else:
        cache.clear()
    pagefiles.remove_all()


def _batched(items: Iterable[Any], size: int) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# -- what a view says about its page ---------------------------------------------------------------


@dataclass
class Capture:
    """A stranger's request being rendered: the parts its page depends on, with the tokens
    read before the view read its data."""

    key: str
    parts: dict[str, str] = field(default_factory=dict)
    declared: bool = False
    valid_until: float | None = None
    # False when the address is not the page's own (``?cpage=01``, a page number past the end):
    # the page is answered but not stored, so odd addresses cannot fill the cache.
    canonical: bool = True


def depends_on(request: HttpRequest, *parts: str) -> None:
    """Say that this request's page shows ``parts``; call before reading what it shows. A page
    is stored only if its view said what it depends on."""
    capture: Capture | None = getattr(request, "page_cache", None)
    if capture is None:
        return
    missing = [p for p in parts if p not in capture.parts]
    if missing:
        try:
            capture.parts.update(tokens(missing))
        except Exception:  # the shared cache is down: render, but store nothing
            log.exception("Page cache unavailable")
            request.page_cache = None  # type: ignore[attr-defined]
            return
    capture.declared = True


def valid_until(request: HttpRequest, moment: float | None) -> None:
    """Say that this request's page changes by itself at ``moment`` (a scheduled post)."""
    capture: Capture | None = getattr(request, "page_cache", None)
    if capture is None or moment is None:
        return
    if capture.valid_until is None or moment < capture.valid_until:
        capture.valid_until = moment


def not_canonical(request: HttpRequest) -> None:
    """Say that this address is a variant of a page (a clamped page number, a parameter the
    view ignored): answer it, but do not store it under this key."""
    capture: Capture | None = getattr(request, "page_cache", None)
    if capture is not None:
        capture.canonical = False


def expect_params(request: HttpRequest, **wanted: str | None) -> None:
    """Mark the address as not canonical unless its page parameters are exactly ``wanted``
    (``None``: absent)."""
    query = request.GET
    for name in PARAMS:
        values = query.getlist(name)
        expected = wanted.get(name)
        if (expected is None and values) or (expected is not None and values != [expected]):
            not_canonical(request)
            return


def cached_as(*parts: str) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., Any]]:
    """Decorate a view whose page depends on ``parts`` whatever its arguments."""

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., Any]:
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            depends_on(request, *parts)
            return view(request, *args, **kwargs)

        wrapper.__name__ = getattr(view, "__name__", "view")
        wrapper.__doc__ = view.__doc__
        wrapper.__wrapped__ = view  # type: ignore[attr-defined]
        return wrapper

    return decorate


# -- keys, lookups, storing ------------------------------------------------------------------------


def _build_id() -> str:
    """Changes when Byline's code, templates, static files or rendering settings change, so a
    deploy never serves pages rendered by the code before it."""
    digest = hashlib.blake2b(digest_size=8)
    root = Path(__file__).resolve().parent.parent
    for path in sorted(root.rglob("*")):
        if path.suffix in {".py", ".html", ".css", ".js", ".txt"} and "tests" not in path.parts:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    for name in (
        "BYLINE_SITE_NAME", "TIME_ZONE", "LANGUAGE_CODE", "STATIC_URL", "DEBUG",
        "BYLINE_POSTS_PER_PAGE", "BYLINE_PAGE_MAX_AGE", "BYLINE_PAGE_STALE", "PRODUCTION",
    ):  # fmt: skip
        digest.update(repr(getattr(settings, name, None)).encode())
    return digest.hexdigest()


_BUILD = _build_id()


def page_key(request: HttpRequest) -> str | None:
    """The cache key of a stranger's page — build, scheme, host, path and page parameters — or
    None when the address carries a parameter pages do not read (it is never cached). Raises
    ``DisallowedHost`` for a host the site does not serve."""
    query = request.GET
    if any(k not in PARAMS and k not in TRACKING for k in query):
        return None
    params = urlencode(sorted((k, v) for k in query if k in PARAMS for v in query.getlist(k)))
    raw = f"{_BUILD}|{request.scheme}|{request.get_host()}|{request.path}|{params}"
    return "p:" + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def build_id() -> str:
    """What changes with every deploy of different code, templates or rendering settings."""
    return _BUILD


def lookup(key: str) -> Entry | None:
    """The stored page for ``key`` if every part it shows is unchanged since it was rendered."""
    entry = _memory.get(key)
    shared = entry is None
    if shared:
        entry = store().get(key)
        if entry is None:
            return None
    assert entry is not None
    if entry.valid_until is not None and time.time() >= entry.valid_until:
        _memory.drop(key)
        return None
    if tokens(entry.parts) != entry.parts:
        _memory.drop(key)
        return None
    if shared:
        _memory.put(key, entry)
    return entry


_UNSTORED_HEADERS = {
    "set-cookie",
    "content-length",
    "etag",
    "last-modified",
    "date",
    HIT_HEADER.lower(),
}


def save(request: HttpRequest, response: HttpResponseBase) -> None:
    """Store ``response`` if it is a stranger's page whose view declared what it shows, and
    nothing it shows changed while it was rendered."""
    capture: Capture | None = getattr(request, "page_cache", None)
    if capture is None or not capture.declared or not isinstance(response, HttpResponse):
        return
    if not capture.canonical:
        return
    if response.status_code != 200 or response.cookies or response.streaming:
        return
    if "public" not in response.get("Cache-Control", ""):
        return
    if tokens(capture.parts) != capture.parts:
        return  # something it shows changed meanwhile: the next reader renders it afresh
    body = response.content
    entry = Entry(
        body=body,
        headers=[(k, v) for k, v in response.items() if k.lower() not in _UNSTORED_HEADERS],
        parts=dict(capture.parts),
        etag='"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"',
        # When it was rendered: a listing changes when a scheduled post goes live, which no
        # token records.
        last_modified=time.time(),
        valid_until=capture.valid_until,
    )
    store().set(capture.key, entry, ENTRY_SECONDS)
    _memory.put(capture.key, entry)
    response["ETag"] = entry.etag
    response["Last-Modified"] = http_date(entry.last_modified)
    response[HIT_HEADER] = "miss"
    if entry.valid_until is not None:
        _cap_max_age(response, entry.valid_until)
    elif (
        request.method == "GET"
        and not request.META.get("QUERY_STRING")
        and response.get("Content-Type", "").startswith("text/html")
    ):
        pagefiles.write(request, body, entry.parts, lambda: tokens(entry.parts) == entry.parts)


# -- one render at a time --------------------------------------------------------------------------


def _lock_path(key: str) -> Path | None:
    cache = store()
    if isinstance(cache, FileBasedCache):
        return Path(getattr(cache, "_dir")) / f"{key.replace(':', '-')}.lock"  # noqa: B009
    return None


def _try_lock(key: str) -> bool:
    path = _lock_path(key)
    if path is None:  # Redis and local memory: an atomic add
        return bool(store().add(f"lock:{key}", 1, LOCK_SECONDS))
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        try:
            if time.time() - path.stat().st_mtime > LOCK_SECONDS:
                path.unlink(missing_ok=True)  # its holder died; the next try takes it
        except FileNotFoundError:
            pass
        return False
    os.close(fd)
    return True


def _locked(key: str) -> bool:
    path = _lock_path(key)
    if path is None:
        return store().get(f"lock:{key}") is not None
    return path.exists()


def _unlock(key: str) -> None:
    path = _lock_path(key)
    if path is None:
        store().delete(f"lock:{key}")
    else:
        path.unlink(missing_ok=True)


def wait_for(key: str) -> Entry | None:
    """Wait while another request renders ``key``: its page, or None once it gave up."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(WAIT_STEP)
        entry = lookup(key)
        if entry is not None:
            return entry
        if not _locked(key):  # it finished without storing (a 404, a page with a cookie…)
            return lookup(key)
    return None


class PageCacheMiddleware:
    """Answer strangers' GET and HEAD requests from the page cache; store what views mark as
    shared. Sits before the session, CSRF and authentication middleware (see settings)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        pagefiles.forget_older_builds(_BUILD)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not enabled() or request.method not in ("GET", "HEAD") or has_personal_cookie(request):
            return self.get_response(request)
        if request.path.startswith(NOT_PAGES):
            return self.get_response(request)  # the JSON API: its own ETags (byline.api)
        try:
            key = page_key(request)
        except DisallowedHost:
            return self.get_response(request)
        if key is None:
            return self.get_response(request)
        try:
            entry = lookup(key)
            mine = entry is None and _try_lock(key)
        except Exception:  # the shared cache is down: every page comes from the database
            log.exception("Page cache unavailable")
            return self.get_response(request)
        if entry is not None:
            return entry.response(request)
        try:
            if not mine:
                entry = wait_for(key)
                if entry is not None:
                    return entry.response(request)
            request.page_cache = Capture(key)  # type: ignore[attr-defined]
            depends_on(request, SITE)  # every page shows the site's name, settings, people
            if request.page_cache is not None:  # type: ignore[attr-defined]
                request.page_cache.declared = False  # type: ignore[attr-defined]
            response = self.get_response(request)
            try:
                save(request, response)
            except Exception:
                log.exception("Could not store a page in the page cache")
            return response
        finally:
            if mine:
                try:
                    _unlock(key)
                except Exception:
                    log.exception("Could not release a page cache lock")
