"""Hostile input against the renderer, the host check and the shared-cache promise.

``markup_problems`` and ``XSS_PAYLOADS`` are also used by the discussion app's bad-input tests,
so that comments and posts are held to the same standard.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from byline.accounts.models import User
from byline.core.rendering import COMMENT, POST, Profile, render_markdown, safe_url
from byline.discussion.models import Comment
from byline.publishing.models import Post

STATIC_SCRIPT = "/static/byline/byline.js"
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")
# Attributes a browser (or a feed reader, or a script reading the DOM) treats as an address.
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "data", "poster", "xlink:href", "background", "ping"}
)
# Elements no comment or post body may ever contain, whatever their attributes.
ACTIVE_TAGS = frozenset(
    {"script", "iframe", "object", "embed", "svg", "math", "style", "form", "base", "meta"}
)

# (id, payload). Every one of these must come out of the renderer harmless.
XSS_PAYLOADS = [
    pytest.param("<script>alert(1)</script>", id="script"),
    pytest.param("<SCRIPT SRC=//evil.example/x.js></SCRIPT>", id="script-upper-src"),
    pytest.param("<scr<script>ipt>alert(1)</script>", id="script-split"),
    pytest.param("<img src=x onerror=alert(1)>", id="img-onerror"),
    pytest.param('<img src="javascript:alert(1)">', id="img-src-javascript"),
    pytest.param('<img src="data:image/svg+xml;base64,PHN2Zz4=">', id="img-src-data"),
    pytest.param("<svg/onload=alert(1)>", id="svg-onload"),
    pytest.param('<iframe src="javascript:alert(1)"></iframe>', id="iframe"),
    pytest.param(
        '<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">x</button>'
        "</form>",
        id="form-action",
    ),
    pytest.param('<object data="javascript:alert(1)"></object>', id="object-data"),
    pytest.param('<a href="https://ok.example" onclick="alert(1)">ok</a>', id="onclick"),
    pytest.param('<p style="background:url(javascript:alert(1))">s</p>', id="style-url"),
    # Markdown links.
    pytest.param("[x](javascript:alert(1))", id="md-javascript"),
    pytest.param("[x](JaVaScRiPt:alert(1))", id="md-mixed-case"),
    pytest.param("[x](jav&#x61;script:alert(1))", id="md-hex-entity"),
    pytest.param("[x](&#106;avascript:alert(1))", id="md-decimal-entity"),
    pytest.param("[x](<javascript:alert(1)>)", id="md-angle-destination"),
    pytest.param("[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", id="md-data"),
    pytest.param("[x](vbscript:msgbox(1))", id="md-vbscript"),
    pytest.param("![x](javascript:alert(1))", id="md-image-javascript"),
    pytest.param("![x](data:image/svg+xml;base64,PHN2Zz4=)", id="md-image-data"),
    pytest.param("[x][ref]\n\n[ref]: javascript:alert(1)", id="md-reference"),
    # Autolinks.
    pytest.param("<javascript:alert(1)>", id="autolink-javascript"),
    pytest.param("<JaVaScRiPt:alert(1)>", id="autolink-mixed-case"),
    pytest.param("<data:text/html,<script>alert(1)</script>>", id="autolink-data"),
    pytest.param("<vbscript:msgbox(1)>", id="autolink-vbscript"),
    # Raw HTML links.
    pytest.param('<a href="javascript:alert(1)">x</a>', id="html-javascript"),
    pytest.param("<a href=javascript:alert(1)>x</a>", id="html-unquoted"),
    pytest.param('<a href="JaVaScRiPt:alert(1)">x</a>', id="html-mixed-case"),
    pytest.param('<a href="jav&#x61;script:alert(1)">x</a>', id="html-hex-entity"),
    pytest.param('<a href="&#106;avascript:alert(1)">x</a>', id="html-decimal-entity"),
    pytest.param('<a href="&#0000106&#0000097vascript:alert(1)">x</a>', id="html-no-semicolons"),
    pytest.param('<a href="javascript&colon;alert(1)">x</a>', id="html-named-colon"),
    pytest.param('<a href="java\tscript:alert(1)">x</a>', id="html-tab"),
    pytest.param('<a href="java\nscript:alert(1)">x</a>', id="html-newline"),
    pytest.param('<a href="java&#9;script:alert(1)">x</a>', id="html-tab-entity"),
    pytest.param('<a href=" javascript:alert(1)">x</a>', id="html-leading-space"),
    pytest.param('<a href="\x01javascript:alert(1)">x</a>', id="html-leading-control"),
    pytest.param('<a href="data:text/html,<script>alert(1)</script>">x</a>', id="html-data"),
    pytest.param('<a href="vbscript:msgbox(1)">x</a>', id="html-vbscript"),
    # A credited quotation takes its cite from the first link of the credit.
    pytest.param("> Quoted.\n\n— [Source](javascript:alert(1))", id="credit-md-link"),
    pytest.param('> Quoted.\n\n— <a href="javascript:alert(1)">Source</a>', id="credit-html-link"),
]


class _Elements(HTMLParser):
    """Every start tag in a document, with its attributes (entities already decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {name: value or "" for name, value in attrs}))

    handle_startendtag = handle_starttag


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.found


def _squashed(url: str) -> str:
    """A URL as a browser reads its scheme: control characters and whitespace dropped."""
    return re.sub(r"[\x00-\x20\x7f]", "", url).lower()


def markup_problems(
    html: str,
    *,
    allowed_scripts: frozenset[str] = frozenset(),
    forbidden_tags: frozenset[str] = ACTIVE_TAGS,
    url_attributes: frozenset[str] = URL_ATTRIBUTES,
) -> list[str]:
    """Everything in ``html`` that could run script; an empty list means it is harmless."""
    problems: list[str] = []
    for tag, attrs in elements(html):
        if tag == "script" and attrs.get("src") in allowed_scripts:
            pass
        elif tag in forbidden_tags or tag == "script":
            problems.append(f"<{tag} {attrs}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                problems.append(f"<{tag}> has event handler {name}={value!r}")
            if name in url_attributes and _squashed(value).startswith(DANGEROUS_SCHEMES):
                problems.append(f"<{tag}> has {name}={value!r}")
    live_scripts = len(re.findall(r"<script\b", html, flags=re.IGNORECASE))
    if live_scripts > len(allowed_scripts):
        problems.append(f"{live_scripts} <script tags in the raw HTML")
    return problems


def page_problems(html: str) -> list[str]:
    """``markup_problems`` for a whole page, which legitimately has forms and its own script."""
    return markup_problems(
        html, allowed_scripts=frozenset({STATIC_SCRIPT}), forbidden_tags=frozenset()
    )


# --- The renderer, unit by unit -------------------------------------------------------------


@pytest.mark.parametrize("profile", [COMMENT, POST], ids=["comment", "post"])
@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_it_renders_hostile_markup_harmless(payload: str, profile: Profile) -> None:
    html = render_markdown(payload, profile)
    assert markup_problems(html) == []


@pytest.mark.parametrize("profile", [COMMENT, POST], ids=["comment", "post"])
def test_it_keeps_ordinary_links_and_formatting(profile: Profile) -> None:
    """The sanitiser must not pass the tests above by throwing everything away."""
    html = render_markdown(
        "**bold** [site](https://ok.example/a?b=1) <a href='mailto:me@example.org'>mail</a> "
        "<https://auto.example/>",
        profile,
    )
    hrefs = [attrs.get("href") for tag, attrs in elements(html) if tag == "a"]
    assert hrefs == ["https://ok.example/a?b=1", "mailto:me@example.org", "https://auto.example/"]
    assert "<strong>bold</strong>" in html


def test_it_marks_comment_links_nofollow_ugc() -> None:
    html = render_markdown("[x](https://ok.example/)", COMMENT)
    (rel,) = [attrs.get("rel") for tag, attrs in elements(html) if tag == "a"]
    assert set(rel.split()) >= {"nofollow", "ugc", "noopener"}


def test_it_keeps_images_in_posts_but_not_in_comments() -> None:
    markdown = "![harbor](https://img.example/harbor.jpg)"
    assert '<img src="https://img.example/harbor.jpg" alt="harbor">' in render_markdown(
        markdown, POST
    )
    assert "<img" not in render_markdown(markdown, COMMENT)


@pytest.mark.parametrize("profile", [COMMENT, POST], ids=["comment", "post"])
@pytest.mark.parametrize(
    "payload",
    [
        pytest.param('<blockquote cite="javascript:alert(1)">Quoted.</blockquote>', id="quote"),
        pytest.param('<q cite="JaVaScRiPt:alert(1)">Quoted.</q>', id="q"),
        pytest.param(
            '<blockquote cite="data:text/html,<script>x</script>">Q</blockquote>', id="data"
        ),
    ],
)
def test_it_drops_script_addresses_from_cite(payload: str, profile: Profile) -> None:
    """``cite`` is an address too (the credited-quotation feature fills it from a link), so it
    must not carry a script scheme. nh3 applies ``url_schemes`` only to href/src-like
    attributes, never to ``cite``: ``sanitize`` has to filter it itself."""
    html = render_markdown(payload, profile)
    cites = [attrs["cite"] for _, attrs in elements(html) if "cite" in attrs]
    assert [c for c in cites if _squashed(c).startswith(DANGEROUS_SCHEMES)] == [], html


def test_it_still_fills_cite_from_a_safe_credit_link() -> None:
    html = render_markdown("> Quoted.\n\n— [AP](https://ap.example/story)", COMMENT)
    assert '<blockquote cite="https://ap.example/story">' in html


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "http:/x",
        "https:evil.example",
        "//evil.example/",
        "ftp://files.example/x",
        "mailto:me@example.org",
        "http://",
        "",
    ],
)
def test_safe_url_refuses_anything_but_absolute_http(url: str) -> None:
    assert safe_url(url) == ""


@pytest.mark.parametrize(
    "url", ["http://example.org", "https://example.org/a?b=1#c", "HTTPS://EXAMPLE.ORG/"]
)
def test_safe_url_keeps_absolute_http_addresses(url: str) -> None:
    assert safe_url(url) == url


# --- Post bodies, through the real page ------------------------------------------------------


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_it_serves_hostile_post_bodies_harmless(
    payload: str, make_post: Callable[..., Post], stranger: Client
) -> None:
    post = make_post(body=f"{payload}\n\nEnd of the post body.")
    assert markup_problems(post.body_html) == []

    response = stranger.get(post.get_absolute_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert "End of the post body." in page
    assert page_problems(page) == []


# --- Hosts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:8000", "testserver.evil.example", "localhost.evil"]
)
def test_it_refuses_a_forged_host_header(host: str, db: None) -> None:
    assert host.split(":")[0] not in settings.ALLOWED_HOSTS
    assert "*" not in settings.ALLOWED_HOSTS

    response = Client().get("/", HTTP_HOST=host)

    assert response.status_code == 400


def test_it_refuses_a_comment_sent_with_a_forged_host(post: Post) -> None:
    response = Client().post(
        f"/comments/post/{post.pk}/",
        {"body": "Hello", "name": "Guest", "email": "guest@example.org"},
        HTTP_HOST="evil.example",
    )
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_it_answers_an_allowed_host(db: None) -> None:
    assert Client().get("/", HTTP_HOST="localhost").status_code == 200


# --- What a shared cache may keep ------------------------------------------------------------


def _token_values(html: str) -> list[str]:
    return [
        attrs.get("value", "")
        for tag, attrs in elements(html)
        if tag == "input" and attrs.get("name") == "csrfmiddlewaretoken"
    ]


def test_strangers_get_identical_cacheable_pages(post: Post, add_comment: Callable) -> None:
    add_comment(post, "A public comment.")
    first = Client().get(post.get_absolute_url())
    second = Client().get(post.get_absolute_url())

    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    for response in (first, second):
        assert not response.cookies, response.cookies  # the test client's Set-Cookie headers
        assert "public" in response["Cache-Control"]
        assert "private" not in response["Cache-Control"]
        assert "Cookie" in response["Vary"]
        # The form is there, with an empty token that JavaScript fills in on demand.
        assert _token_values(response.content.decode()) == [""]


def test_a_signed_in_readers_page_is_private_and_carries_a_token(
    post: Post, reader: User, login: Callable[[User], Client]
) -> None:
    response = login(reader).get(post.get_absolute_url())

    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
    tokens = _token_values(response.content.decode())
    assert tokens, "the page has no CSRF token field"
    assert all(len(token) == 64 for token in tokens), tokens


def test_a_guest_who_commented_gets_a_private_page(post: Post, hold_comments: object) -> None:
    guest = Client()
    guest.post(
        f"/comments/post/{post.pk}/",
        {"body": "Held for moderation.", "name": "Guest", "email": "guest@example.org"},
    )
    response = guest.get(post.get_absolute_url())

    assert "private" in response["Cache-Control"]
    assert "Held for moderation." in response.content.decode()
    # …and a stranger never sees the held comment, or a cached copy of the guest's page.
    shared = Client().get(post.get_absolute_url())
    assert "Held for moderation." not in shared.content.decode()
    assert "public" in shared["Cache-Control"]


def test_a_scheduled_post_is_not_served_to_strangers(make_post: Callable[..., Post]) -> None:
    soon = make_post(title="Embargoed", published_at=timezone.now() + timedelta(days=1))
    assert Client().get(soon.get_absolute_url()).status_code == 404


def test_pages_carry_the_protective_headers(post: Post) -> None:
    response = Client().get(post.get_absolute_url())
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
