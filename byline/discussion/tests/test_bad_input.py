"""Hostile and mistaken input to the comment form and the edit view, through the real views.

Every rejection must say what is wrong, keep what the visitor typed, and store nothing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.utils import timezone

from byline.accounts.models import User
from byline.core.tests.test_security import (
    XSS_PAYLOADS,
    elements,
    markup_problems,
    page_problems,
)
from byline.discussion.models import Comment, DiscussionSettings
from byline.publishing.models import Post

MAX_REQUEST_BYTES = 256 * 1024


# --- Helpers --------------------------------------------------------------------------------


def post_url(post: Post) -> str:
    return f"/comments/post/{post.pk}/"


def edit_url(comment: Comment) -> str:
    return f"/comments/{comment.pk}/edit/"


def guest_fields(**overrides: Any) -> dict[str, Any]:
    fields = {"body": "A perfectly ordinary comment.", "name": "Guest", "email": "g@example.org"}
    fields.update(overrides)
    return fields


def textarea(page: str, name: str = "body") -> str:
    """The text inside a form's textarea, as the browser will show it."""
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, f"no <textarea name={name}> on the page"
    # Django writes a newline after the opening tag; HTML parsers drop it.
    return html.unescape(match.group(1).removeprefix("\n"))


def input_value(page: str, name: str) -> str | None:
    for tag, attrs in elements(page):
        if tag == "input" and attrs.get("name") == name:
            return attrs.get("value", "")
    return None


def alerts(page: str) -> list[str]:
    """The text of every error the page announces (``role="alert"``), tags stripped."""
    found = re.findall(r'<(strong|div|p)\b[^>]*role="alert"[^>]*>(.*?)</\1>', page, re.S)
    texts = [html.unescape(re.sub(r"<[^>]+>", " ", inner)) for _, inner in found]
    return [" ".join(text.split()) for text in texts if text.strip()]


def field_errors(page: str, field: str) -> list[str]:
    """Errors shown next to one field of the comment form."""
    for block in re.findall(r'<p class="field[^"]*">.*?</p>', page, re.S):
        if f'name="{field}"' in block:
            return alerts(block)
    raise AssertionError(f"no field {field!r} on the page")


def has_comment_form(page: str) -> bool:
    return any(
        tag == "form" and "comment-form" in attrs.get("class", "") for tag, attrs in elements(page)
    )


def csrf_client(user: User | None = None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def token_on(page: str) -> str:
    token = input_value(page, "csrfmiddlewaretoken")
    assert token, "the page carries no CSRF token"
    return token


# --- Length -----------------------------------------------------------------------------------


def _long_text(length: int) -> str:
    """Distinct words, so a cut anywhere would show."""
    text = " ".join(f"word{i}" for i in range(length))
    return text[: length - 3] + "END"


def test_it_rejects_a_comment_over_the_length_limit_and_keeps_all_of_it(
    stranger: Client, post: Post
) -> None:
    body = _long_text(10_001)
    assert len(body) == 10_001

    response = stranger.post(post_url(post), guest_fields(body=body))

    assert response.status_code == 400
    page = response.content.decode()
    (error,) = field_errors(page, "body")
    assert "10,000" in error and "10,001" in error, error
    assert textarea(page) == body
    assert input_value(page, "name") == "Guest"
    assert input_value(page, "email") == "g@example.org"
    assert not Comment.objects.exists()


def test_it_takes_a_comment_exactly_at_the_length_limit(stranger: Client, post: Post) -> None:
    body = _long_text(10_000)
    response = stranger.post(post_url(post), guest_fields(body=body))
    assert response.status_code == 303
    assert Comment.objects.get().body == body


def test_it_uses_the_sites_own_length_limit(stranger: Client, post: Post) -> None:
    rules = DiscussionSettings.current()
    rules.max_length = 500
    rules.save()

    response = stranger.post(post_url(post), guest_fields(body="x" * 501))

    assert response.status_code == 400
    assert any("500" in e for e in field_errors(response.content.decode(), "body"))
    assert not Comment.objects.exists()


# --- Script in the comment text -------------------------------------------------------------


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_it_stores_and_shows_hostile_comment_text_harmless(
    payload: str, post: Post, stranger: Client
) -> None:
    response = stranger.post(post_url(post), guest_fields(body=f"{payload}\n\nEnd of comment."))
    assert response.status_code == 303

    comment = Comment.objects.get()
    assert comment.body.startswith(payload)  # the text is kept as typed…
    assert markup_problems(comment.body_html) == []  # …but its HTML is harmless
    assert "End of comment." in comment.body_html

    page = Client().get(post.get_absolute_url()).content.decode()
    assert "End of comment." in page
    assert page_problems(page) == []


def test_it_keeps_safe_links_in_comments(post: Post, stranger: Client) -> None:
    """A control: the tests above must not pass because every link is thrown away."""
    stranger.post(post_url(post), guest_fields(body="See [the report](https://ok.example/r)."))
    page = Client().get(post.get_absolute_url()).content.decode()
    assert '<a href="https://ok.example/r" rel="nofollow ugc noopener">the report</a>' in page


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param('<blockquote cite="javascript:alert(1)">Quoted.</blockquote>', id="html"),
        pytest.param('<q cite="JaVaScRiPt:alert(1)">Quoted.</q>', id="q"),
    ],
)
def test_it_drops_script_addresses_from_comment_quotes(
    payload: str, post: Post, stranger: Client
) -> None:
    """Raw HTML in a comment is shown as text, so the quote's cite never becomes an attribute."""
    stranger.post(post_url(post), guest_fields(body=payload))
    body_html = Comment.objects.get().body_html
    assert markup_problems(body_html) == [], body_html
    assert "<blockquote" not in body_html and "<q" not in body_html
    assert "&lt;" in body_html  # shown as the text the reader typed


def test_it_keeps_hostile_text_escaped_in_the_form_it_sends_back(
    stranger: Client, post: Post
) -> None:
    """A rejected comment comes back in a textarea; it must not be able to close it."""
    body = "</textarea><script>alert(1)</script>" + "x" * 10_000
    response = stranger.post(post_url(post), guest_fields(body=body))

    assert response.status_code == 400
    page = response.content.decode()
    assert textarea(page) == body
    assert page_problems(page) == []


# --- Name, email, website -------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "' onmouseover='alert(1)",
    ],
)
def test_it_shows_a_hostile_name_as_text(name: str, post: Post, stranger: Client) -> None:
    response = stranger.post(post_url(post), guest_fields(name=name))
    assert response.status_code == 303
    assert Comment.objects.get().author_name == name

    page = Client().get(post.get_absolute_url()).content.decode()
    assert html.escape(name, quote=True) in page
    assert name not in page
    assert page_problems(page) == []


def test_it_shows_a_script_name_escaped(post: Post, stranger: Client) -> None:
    stranger.post(post_url(post), guest_fields(name="<script>alert(1)</script>"))
    page = Client().get(post.get_absolute_url()).content.decode()
    assert '<span class="author"><bdi>&lt;script&gt;alert(1)&lt;/script&gt;</bdi></span>' in page
    assert "<script>alert(1)" not in page


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "vbscript:msgbox(1)",
        "http:/x",
        "ftp://files.example/x",
        "//evil.example/",
    ],
)
def test_it_rejects_a_website_that_is_not_http(url: str, post: Post, stranger: Client) -> None:
    body = "Please keep this text."
    response = stranger.post(post_url(post), guest_fields(body=body, url=url))

    assert response.status_code == 400
    page = response.content.decode()
    (error,) = field_errors(page, "url")
    assert "http://" in error and "https://" in error, error
    assert textarea(page) == body
    assert not Comment.objects.exists()
    assert page_problems(page) == []


@pytest.mark.parametrize(
    "url", ["http://example.org/\r\nSet-Cookie: a=b", "http://exa mple.org/", "http://"]
)
def test_it_rejects_a_malformed_http_website(url: str, post: Post, stranger: Client) -> None:
    response = stranger.post(post_url(post), guest_fields(url=url))
    assert response.status_code == 400
    assert field_errors(response.content.decode(), "url")
    assert not Comment.objects.exists()


def test_it_escapes_quotes_in_an_accepted_website(post: Post, stranger: Client) -> None:
    url = 'https://example.org/"onmouseover="alert(1)'
    response = stranger.post(post_url(post), guest_fields(url=url))
    assert response.status_code == 303

    page = Client().get(post.get_absolute_url()).content.decode()
    links = [attrs for tag, attrs in elements(page) if tag == "a" and attrs.get("href") == url]
    assert links, "the commenter's website is not linked"
    assert page_problems(page) == []


@pytest.mark.parametrize(
    "email",
    [
        "not-an-address",
        "a@b",
        "two@@example.org",
        "spaces in@example.org",
        '"><script>alert(1)</script>@example.org',
    ],
)
def test_it_rejects_an_invalid_email(email: str, post: Post, stranger: Client) -> None:
    body = "Please keep this text."
    response = stranger.post(post_url(post), guest_fields(body=body, email=email))

    assert response.status_code == 400
    page = response.content.decode()
    (error,) = field_errors(page, "email")
    assert "not a valid email address" in error, error
    assert textarea(page) == body
    assert page_problems(page) == []
    assert not Comment.objects.exists()


@pytest.mark.parametrize("email", ["", "   "])
def test_it_asks_a_guest_for_their_email(email: str, post: Post, stranger: Client) -> None:
    body = "Please keep this text."
    response = stranger.post(post_url(post), guest_fields(body=body, email=email))

    assert response.status_code == 400
    page = response.content.decode()
    (error,) = field_errors(page, "email")
    assert "email address" in error.lower(), error
    assert textarea(page) == body
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Mallory\nBcc: victim@example.org"),
        ("name", "Mallory\rInjected"),
        ("name", "Mallory\r\nX-Header: 1"),
        ("email", "mallory@example.org\nBcc: victim@example.org"),
        ("email", "mallory@example.org\r\nBcc: victim@example.org"),
        ("email", "mallory@example.org\rX"),
    ],
)
def test_it_rejects_line_breaks_in_name_or_email(
    field: str, value: str, post: Post, stranger: Client
) -> None:
    body = "Please keep this text."
    response = stranger.post(post_url(post), guest_fields(body=body, **{field: value}))

    assert response.status_code == 400
    page = response.content.decode()
    assert field_errors(page, field), f"no error shown for {field}"
    assert textarea(page) == body
    assert not Comment.objects.exists()


def test_it_ignores_name_email_and_website_sent_by_a_signed_in_reader(
    post: Post, reader: User, login: Callable[[User], Client]
) -> None:
    response = login(reader).post(
        post_url(post),
        {"body": "Hi", "name": "Someone Else", "email": "x\n@y", "url": "javascript:alert(1)"},
    )
    assert response.status_code == 303
    comment = Comment.objects.get()
    assert (comment.user, comment.author_name, comment.author_email) == (reader, "", "")
    assert comment.author_url == ""


# --- Replies ----------------------------------------------------------------------------------


def test_it_rejects_a_reply_to_a_comment_on_another_post(
    post: Post, make_post: Callable[..., Post], add_comment: Callable, stranger: Client
) -> None:
    elsewhere = add_comment(make_post(title="Another post"), "Over there.")
    body = "Please keep this text."

    response = stranger.post(post_url(post), guest_fields(body=body, parent=elsewhere.pk))

    assert response.status_code == 400
    page = response.content.decode()
    assert any("not on this post" in e for e in alerts(page)), alerts(page)
    assert textarea(page) == body
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("status", [Comment.Status.PENDING, Comment.Status.REMOVED, "spam"])
def test_it_rejects_a_reply_to_a_comment_that_is_not_public(
    status: str, post: Post, add_comment: Callable, stranger: Client
) -> None:
    parent = add_comment(post, "Not shown.")
    Comment.objects.filter(pk=parent.pk).update(status=status)

    response = stranger.post(post_url(post), guest_fields(parent=parent.pk))

    assert response.status_code == 400
    assert any("no longer public" in e for e in alerts(response.content.decode()))
    assert Comment.objects.count() == 1


def test_it_rejects_a_reply_to_a_held_comment(
    post: Post, add_comment: Callable, hold_comments: DiscussionSettings
) -> None:
    held = add_comment(post, "Awaiting moderation.")
    assert held.status == Comment.Status.PENDING

    response = Client().post(post_url(post), guest_fields(parent=held.pk))

    assert response.status_code == 400
    assert Comment.objects.count() == 1


def resubmission(page: str) -> dict[str, str]:
    """What the browser sends when the visitor presses "Post comment" on ``page`` again."""
    fields = {
        attrs["name"]: attrs.get("value", "")
        for tag, attrs in elements(page)
        if tag == "input" and attrs.get("name") in {"parent", "name", "email", "url"}
    }
    return {**fields, "body": textarea(page)}


@pytest.mark.parametrize("status", [Comment.Status.REMOVED, "spam"])
def test_a_reply_whose_parent_went_away_can_still_be_posted(
    status: str, post: Post, add_comment: Callable, stranger: Client
) -> None:
    """A reader replies while a moderator removes the comment they answer. The page says so,
    keeps their text and offers the form as "Leave a comment"; posting that form again must
    work. BUG: the hidden ``parent`` input still holds the removed comment's id, so every
    resubmission is refused the same way and the text can never be posted (without JavaScript
    there is no way to clear it; with it, "Cancel reply" is hidden)."""
    parent = add_comment(post, "About to be removed.")
    Comment.objects.filter(pk=parent.pk).update(status=status)
    body = "My careful reply."

    first = stranger.post(post_url(post), guest_fields(body=body, parent=parent.pk))
    assert first.status_code == 400
    page = first.content.decode()
    assert any("no longer public" in e for e in alerts(page))

    again = stranger.post(post_url(post), resubmission(page))

    assert again.status_code == 303, alerts(again.content.decode())
    reply = Comment.objects.exclude(pk=parent.pk).get()
    assert (reply.body, reply.parent) == (body, None)


@pytest.mark.parametrize("parent", ["99999999999999999999", "987654321"])
def test_it_rejects_a_reply_to_a_comment_that_does_not_exist(
    parent: str, post: Post, stranger: Client
) -> None:
    response = stranger.post(post_url(post), guest_fields(parent=parent))
    assert response.status_code == 400
    assert any("not on this post" in e for e in alerts(response.content.decode()))
    assert not Comment.objects.exists()


@pytest.mark.parametrize("parent", ["abc", "-1", "0", "1.5", "1e3", "²", "٣", " 1 OR 1=1"])
def test_it_answers_a_nonsense_parent_with_a_clear_error(
    parent: str, post: Post, add_comment: Callable
) -> None:
    """A bad value is an error of the *hidden* parent field: the page must still say what is
    wrong (it once came back 400 with no explanation, and for "²", which str.isdigit accepts
    but int refuses, it was a 500 in page.py)."""
    add_comment(post, "An existing comment.")
    client = Client(raise_request_exception=False)
    body = "Please keep this text."

    response = client.post(post_url(post), guest_fields(body=body, parent=parent))

    assert response.status_code == 400
    page = response.content.decode()
    assert textarea(page) == body
    assert Comment.objects.count() == 1
    assert alerts(page), "the page gives no reason for refusing the comment"


@pytest.mark.parametrize("replyto", ["abc", "-1", "²", "٣", "99999999999999999999"])
def test_it_ignores_a_nonsense_reply_target_in_the_address(
    replyto: str, post: Post, add_comment: Callable
) -> None:
    """``?replyto=²`` was a 500: page.py checked ``isdigit()`` and then called ``int()``."""
    add_comment(post, "An existing comment.")
    client = Client(raise_request_exception=False)

    response = client.get(post.get_absolute_url(), {"replyto": replyto})

    assert response.status_code == 200
    assert "Leave a comment" in response.content.decode()


@pytest.mark.parametrize("cpage", ["abc", "-1", "0", "²", "99999999999999999999", "1e3"])
def test_it_ignores_a_nonsense_comment_page_number(cpage: str, post: Post) -> None:
    client = Client(raise_request_exception=False)
    response = client.get(post.get_absolute_url(), {"cpage": cpage})
    assert response.status_code == 200


# --- Posts that take no comments ------------------------------------------------------------


def test_it_refuses_comments_when_they_are_closed(
    make_post: Callable[..., Post], stranger: Client
) -> None:
    closed = make_post(title="Closed", comments_open=False)

    page = stranger.get(closed.get_absolute_url()).content.decode()
    assert "Comments are closed" in page
    assert not has_comment_form(page)

    response = stranger.post(post_url(closed), guest_fields())

    assert response.status_code == 400
    answer = response.content.decode()
    assert "Comments are closed" in answer
    assert not has_comment_form(answer)
    assert not Comment.objects.exists()


@pytest.mark.parametrize("state", ["draft", "scheduled", "missing"])
def test_it_refuses_comments_on_a_post_readers_cannot_see(
    state: str, make_post: Callable[..., Post], stranger: Client
) -> None:
    if state == "draft":
        target = make_post(title="Draft", status=Post.Status.DRAFT, published_at=None)
        post_id = target.pk
    elif state == "scheduled":
        target = make_post(title="Soon", published_at=timezone.now() + timedelta(days=2))
        post_id = target.pk
    else:
        post_id = make_post(title="Real").pk + 1000

    response = stranger.post(f"/comments/post/{post_id}/", guest_fields())

    assert response.status_code == 404
    assert not Comment.objects.exists()


# --- CSRF -------------------------------------------------------------------------------------


def test_a_readers_post_without_a_token_is_kept_for_confirmation_not_stored(
    post: Post, reader: User
) -> None:
    client = csrf_client(reader)
    body = "Signed in, but my page had no token."

    response = client.post(post_url(post), {"body": body})

    assert response.status_code == 403
    assert not Comment.objects.exists()
    page = response.content.decode()
    assert "Confirm your comment" in page
    assert textarea(page) == body
    token = token_on(page)
    assert "csrftoken" in response.cookies

    confirmed = client.post(post_url(post), {"body": textarea(page), "csrfmiddlewaretoken": token})

    assert confirmed.status_code == 303
    comment = Comment.objects.get()
    assert (comment.user, comment.body) == (reader, body)


def test_a_guests_post_without_a_token_keeps_everything_they_typed(post: Post) -> None:
    client = csrf_client()
    typed = guest_fields(body="First comment, JavaScript off.", url="https://guest.example/")

    response = client.post(post_url(post), typed)

    assert response.status_code == 403
    assert not Comment.objects.exists()
    page = response.content.decode()
    assert textarea(page) == typed["body"]
    assert input_value(page, "name") == typed["name"]
    assert input_value(page, "email") == typed["email"]
    assert input_value(page, "url") == typed["url"]
    assert "public" not in response.get("Cache-Control", "")  # it carries a token now

    confirmed = client.post(post_url(post), {**typed, "csrfmiddlewaretoken": token_on(page)})

    assert confirmed.status_code == 303
    assert Comment.objects.get().author_email == typed["email"]


def test_it_rejects_a_post_whose_token_does_not_match_the_cookie(post: Post, reader: User) -> None:
    victim = csrf_client(reader)
    victim.get("/session/csrf/")  # the victim has a CSRF cookie of their own
    forger_token = Client().get("/session/csrf/").json()["csrfToken"]

    response = victim.post(post_url(post), {"body": "Forged.", "csrfmiddlewaretoken": forger_token})

    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_it_rejects_a_post_with_a_garbage_token(post: Post, reader: User) -> None:
    client = csrf_client(reader)
    client.get("/session/csrf/")
    response = client.post(post_url(post), {"body": "x", "csrfmiddlewaretoken": "A" * 64})
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_it_rejects_a_post_from_another_origin_even_with_a_valid_token(
    post: Post, reader: User
) -> None:
    client = csrf_client(reader)
    token = client.get("/session/csrf/").json()["csrfToken"]
    fields = {"body": "From elsewhere.", "csrfmiddlewaretoken": token}

    response = client.post(post_url(post), fields, HTTP_ORIGIN="http://evil.example")

    assert response.status_code == 403
    assert not Comment.objects.exists()
    # Control: the same request from this site's own origin goes through.
    same_site = client.post(post_url(post), fields, HTTP_ORIGIN="http://testserver")
    assert same_site.status_code == 303


def test_it_rejects_an_https_post_with_a_foreign_referer(post: Post, reader: User) -> None:
    client = csrf_client(reader)
    token = client.get("/session/csrf/", secure=True).json()["csrfToken"]
    fields = {"body": "Over https.", "csrfmiddlewaretoken": token}

    foreign = client.post(
        post_url(post), fields, secure=True, HTTP_REFERER="https://evil.example/page"
    )
    missing = client.post(post_url(post), fields, secure=True)

    assert foreign.status_code == 403
    assert missing.status_code == 403
    assert not Comment.objects.exists()
    own = client.post(
        post_url(post), fields, secure=True, HTTP_REFERER="https://testserver/some/post/"
    )
    assert own.status_code == 303


def test_the_edit_view_enforces_csrf(post: Post, reader: User, add_comment: Callable) -> None:
    comment = add_comment(post, "Original.", user=reader)
    client = csrf_client(reader)

    response = client.post(edit_url(comment), {"body": "Changed without a token."})

    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Original."


# --- Oversized requests -------------------------------------------------------------------


# 400 is Django's own answer (RequestDataTooBig); 413 Payload Too Large is the precise one.
REFUSED_AS_TOO_BIG = (400, 413)
URLENCODED = "application/x-www-form-urlencoded"


def test_it_refuses_an_oversized_form_body(post: Post) -> None:
    client = Client(raise_request_exception=False)
    data = urlencode(guest_fields(body="x" * (MAX_REQUEST_BYTES + 1)))

    response = client.post(post_url(post), data, content_type=URLENCODED)

    assert response.status_code in REFUSED_AS_TOO_BIG
    assert not Comment.objects.exists()


def test_it_refuses_an_oversized_multipart_body(post: Post) -> None:
    client = Client(raise_request_exception=False)
    response = client.post(post_url(post), guest_fields(body="x" * (MAX_REQUEST_BYTES + 1)))
    assert response.status_code in REFUSED_AS_TOO_BIG
    assert not Comment.objects.exists()


def test_it_takes_a_body_just_under_the_request_limit_to_the_length_check(post: Post) -> None:
    """Control: below the byte limit the request reaches the form, which explains itself."""
    client = Client(raise_request_exception=False)
    data = urlencode(guest_fields(body="x" * (MAX_REQUEST_BYTES - 1024)))

    response = client.post(post_url(post), data, content_type=URLENCODED)

    assert response.status_code == 400
    assert field_errors(response.content.decode(), "body")


def test_it_refuses_too_many_form_fields(post: Post) -> None:
    client = Client(raise_request_exception=False)
    data = urlencode([*guest_fields().items(), *((f"f{i}", "x") for i in range(1001))])

    response = client.post(post_url(post), data, content_type=URLENCODED)

    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_it_refuses_an_oversized_body_sent_as_a_file_upload(post: Post) -> None:
    """DATA_UPLOAD_MAX_MEMORY_SIZE does not count multipart *file* parts (Django documents this),
    so without a check of its own the comment endpoint takes a body of any size whose bulk is
    labelled a file: Django spools it to disk and the comment is stored."""
    client = Client(raise_request_exception=False)
    blob = SimpleUploadedFile("blob.bin", b"x" * (4 * MAX_REQUEST_BYTES))

    response = client.post(post_url(post), {**guest_fields(), "attachment": blob})

    assert response.status_code in REFUSED_AS_TOO_BIG
    assert not Comment.objects.exists()


@pytest.mark.parametrize("length", ["-1", "abc", "1e9"])
@pytest.mark.parametrize("kind", ["multipart", "urlencoded"])
def test_it_answers_a_bogus_content_length_with_400(length: str, kind: str, post: Post) -> None:
    fields = guest_fields()
    if kind == "multipart":
        data: str | bytes = encode_multipart(BOUNDARY, fields)
        content_type = MULTIPART_CONTENT
    else:
        data, content_type = urlencode(fields), URLENCODED
    client = Client(raise_request_exception=False)

    response = client.generic(
        "POST", post_url(post), data, content_type=content_type, CONTENT_LENGTH=length
    )

    assert response.status_code == 400
    assert not Comment.objects.exists()


# --- Editing --------------------------------------------------------------------------------


def test_a_stranger_cannot_edit_a_guests_comment(post: Post) -> None:
    guest = Client()
    guest.post(post_url(post), guest_fields(body="Mine."))
    comment = Comment.objects.get()
    assert guest.get(edit_url(comment)).status_code == 200  # control: the author may

    stranger = Client()
    assert stranger.get(edit_url(comment)).status_code == 403
    response = stranger.post(edit_url(comment), {"body": "Vandalised."})

    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Mine."


def test_a_reader_cannot_edit_someone_elses_comment(
    post: Post, reader: User, editor: User, add_comment: Callable, login: Callable
) -> None:
    comment = add_comment(post, "The editor's words.", user=editor)

    response = login(reader).post(edit_url(comment), {"body": "Vandalised."})

    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.body == "The editor's words."


def test_a_reader_cannot_edit_a_guest_comment_whose_name_they_typed(
    post: Post, reader: User, add_comment: Callable, login: Callable
) -> None:
    comment = add_comment(post, "Guest words.", name=reader.public_name, email=reader.email)
    assert login(reader).post(edit_url(comment), {"body": "Taken over."}).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Guest words."


def test_it_refuses_an_edit_after_the_window(
    post: Post, reader: User, add_comment: Callable, login: Callable
) -> None:
    window = DiscussionSettings.current().edit_window_minutes
    assert window == 10
    late = add_comment(
        post, "Too late to change.", user=reader, now=timezone.now() - timedelta(minutes=11)
    )
    in_time = add_comment(
        post, "Still changeable.", user=reader, now=timezone.now() - timedelta(minutes=9)
    )
    client = login(reader)
    assert client.get(edit_url(in_time)).status_code == 200  # control

    assert client.get(edit_url(late)).status_code == 403
    response = client.post(edit_url(late), {"body": "Changed anyway."})

    assert response.status_code == 403
    late.refresh_from_db()
    assert (late.body, late.edited_at) == ("Too late to change.", None)


def test_it_refuses_an_over_long_edit_and_keeps_the_text(
    post: Post, reader: User, add_comment: Callable, login: Callable
) -> None:
    comment = add_comment(post, "Short.", user=reader)
    body = _long_text(10_001)

    response = login(reader).post(edit_url(comment), {"body": body})

    assert response.status_code == 400
    page = response.content.decode()
    assert textarea(page) == body
    assert any("10,000" in e for e in alerts(page)), alerts(page)
    comment.refresh_from_db()
    assert (comment.body, comment.edited_at) == ("Short.", None)


@pytest.mark.parametrize("body", ["", "   \n\t "])
def test_it_refuses_an_empty_edit(
    body: str, post: Post, reader: User, add_comment: Callable, login: Callable
) -> None:
    comment = add_comment(post, "Short.", user=reader)
    response = login(reader).post(edit_url(comment), {"body": body})
    assert response.status_code == 400
    assert alerts(response.content.decode())
    comment.refresh_from_db()
    assert comment.body == "Short."


@pytest.mark.parametrize("payload", XSS_PAYLOADS[:12])
def test_an_edit_is_sanitised_like_a_new_comment(
    payload: str, post: Post, reader: User, add_comment: Callable, login: Callable
) -> None:
    comment = add_comment(post, "Harmless at first.", user=reader)

    response = login(reader).post(edit_url(comment), {"body": payload})

    assert response.status_code == 303
    comment.refresh_from_db()
    assert comment.body == payload
    assert markup_problems(comment.body_html) == []


def test_a_planted_session_id_does_not_open_the_guests_comment(post: Post) -> None:
    """Session fixation: an attacker who set the guest's session cookie beforehand must not
    be able to edit what the guest then posts."""
    attacker = Client()
    attacker.get("/session/csrf/")  # any request that gives the attacker a session...
    attacker.session.save()
    planted = attacker.session.session_key
    assert planted
    guest = Client()
    guest.cookies[settings.SESSION_COOKIE_NAME] = planted  # ...planted in the guest's browser
    guest.post(post_url(post), guest_fields(body="Mine."))
    comment = Comment.objects.get()
    assert guest.get(edit_url(comment)).status_code == 200  # the guest still may
    assert guest.cookies[settings.SESSION_COOKIE_NAME].value != planted
    attacker.cookies[settings.SESSION_COOKIE_NAME] = planted
    assert attacker.get(edit_url(comment)).status_code == 403
    assert attacker.post(edit_url(comment), {"body": "Hijacked."}).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Mine."
