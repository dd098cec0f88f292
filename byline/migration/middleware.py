"""Old addresses from an imported site keep working.

Consulted only for ``/?p=ID``-style links (which would otherwise show the front page) and for
requests nothing else answered (404), so ordinary pages never pay for it.

An old address is found, in order: stored as it was (``LegacyURL``: every item's link and
``?p=``/``?page_id=``); else by its last segment, which is how WordPress's permalink
structures end — the post's name (``/2006/12/05/name/``, ``/2006/12/name/``,
``/news/name/``, ``/name.html``) or its number (``/archives/123``) — looked up as a current
slug, an old slug (``_wp_old_slug``, ``SlugRedirect``) or an imported id. A ``?p=`` that
names nothing readable is a 404, never the front page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote

from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect

from byline.migration.models import LegacyURL
from byline.publishing.models import Post, SlugRedirect

# WordPress's "plain" permalinks: /?p=123 for posts, /?page_id=45 for pages,
# /?attachment_id=67 for an attachment's page.
_ID_PARAMS = ("p", "page_id", "attachment_id")


def legacy_paths(request: HttpRequest) -> list[str]:
    """The keys an old link to this request could have been stored under."""
    path = request.path
    candidates = [path]
    if path.endswith("/") and len(path) > 1:
        candidates.append(path[:-1])
    else:
        candidates.append(f"{path}/")
    for param in _ID_PARAMS:
        value = request.GET.get(param, "")
        if value.isascii() and value.isdigit():
            candidates.insert(0, f"/?{param}={int(value)}")
    return candidates


def find_legacy_target(request: HttpRequest) -> str | None:
    """The current address of the post an old link meant, if it is readable (for an old
    attachment page: its post's, else its file's address, ``target_url``)."""
    for legacy in LegacyURL.objects.filter(path__in=legacy_paths(request)).select_related("post"):
        if legacy.post is not None and legacy.post.is_live:
            return legacy.post.get_absolute_url()
        if legacy.target_url:
            return legacy.target_url
    return None


# What WordPress appends to a post's address: its comment pages, its comment feed, a trackback.
_SUFFIXES = re.compile(r"^(comment-page-\d+|feed|rss2?|atom|rdf|trackback|amp|embed)$")
_EXTENSIONS = (".html", ".htm", ".php")


def _name_of(path: str) -> tuple[str, str] | None:
    """What the last meaningful segment of an old post address holds: ("slug", name) or
    ("id", number) for ``/archives/123``; None for anything else (a day archive, say)."""
    segments = [s for s in path.split("/") if s]
    while len(segments) > 1 and _SUFFIXES.match(segments[-1]):
        segments.pop()  # "/name/comment-page-2/", "/name/feed/"
    if len(segments) > 1 and segments[-1].isdigit() and not segments[-2].isdigit():
        if segments[-2] == "archives":
            return ("id", segments[-1])  # WordPress's "numeric" structure
        segments.pop()  # "/name/2/": a part of a post split by <!--nextpage-->
    if not segments or segments[-1].isdigit():
        return None
    last = segments[-1]
    for extension in _EXTENSIONS:
        if last.endswith(extension) and len(last) > len(extension):
            return ("slug", last[: -len(extension)])
    return ("slug", last)


def guess_target(path: str) -> str | None:
    """The current address of a live post whose old address, in any WordPress permalink
    form, was ``path``; None if nothing fits."""
    found = _name_of(path)
    if found is None or len(found[1]) > 200:
        return None
    kind, name = found
    post: Post | None = None
    if kind == "id":
        if name.isascii():
            legacy = (
                LegacyURL.objects.filter(path__in=[f"/?p={int(name)}", f"/?page_id={int(name)}"])
                .select_related("post")
                .first()
            )
            post = legacy.post if legacy is not None else None
    else:
        post = Post.objects.live().filter(slug=name).first()
        if post is None:
            moved = SlugRedirect.objects.filter(old_slug=name).select_related("post").first()
            post = moved.post if moved is not None else None
    return post.get_absolute_url() if post is not None and post.is_live else None


def _names_an_id(request: HttpRequest) -> bool:
    return any(
        request.GET.get(param, "").isascii() and request.GET.get(param, "").isdigit()
        for param in _ID_PARAMS
    )


class LegacyURLMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reading = request.method in ("GET", "HEAD")
        if reading and request.path == "/" and any(p in request.GET for p in _ID_PARAMS):
            target = find_legacy_target(request)
            if target:
                return HttpResponsePermanentRedirect(target)
            if _names_an_id(request):
                # A draft, a trashed post or one never imported: not the front page.
                raise Http404("Nothing readable has this number.")
        response = self.get_response(request)
        if response.status_code == 404 and reading:
            target = find_legacy_target(request) or guess_target(request.path)
            if target and unquote(target) != request.path:
                return HttpResponsePermanentRedirect(target)
        return response
