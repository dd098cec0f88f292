"""Every change to a comment goes through here: the post page, the admin, the CLI, imports.

The rules a submission must pass live in ``validate_submission`` so that the form and any other
caller give the same answers in the same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from byline.accounts.models import User
from byline.accounts.roles import is_moderator, require_moderator
from byline.core import bidi
from byline.core.rendering import COMMENT, render_body, render_markdown, safe_url
from byline.discussion import fragments, pagination
from byline.discussion.models import (
    PATH_SEGMENT,
    Comment,
    DiscussionSettings,
    RemovalReason,
    text_hash,
)
from byline.publishing.models import Post


def _column_limit(field: str) -> int:
    """A Comment column's length: the form's limit is the column's, never a second number."""
    limit = getattr(Comment._meta.get_field(field), "max_length", None)
    assert limit is not None
    return int(limit)


NAME_MAX_LENGTH = _column_limit("author_name")
EMAIL_MAX_LENGTH = _column_limit("author_email")  # 254, RFC 5321's longest usable address
URL_MAX_LENGTH = _column_limit("author_url")
# Line breaks and other control characters in a name or address are how header injection
# and log forging start; nobody's real name contains one.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_http_url = URLValidator(schemes=["http", "https"])
_email = EmailValidator()


@dataclass(frozen=True)
class Submission:
    """A comment that passed validation, ready to store."""

    post: Post
    body: str
    name: str
    email: str
    url: str
    parent: Comment | None
    user: User | None


def validate_submission(
    post: Post,
    *,
    body: str,
    name: str = "",
    email: str = "",
    url: str = "",
    parent_id: int | None = None,
    user: User | None = None,
    rules: DiscussionSettings | None = None,
) -> Submission:
    """Check a comment against the site's rules.

    Raises ``ValidationError`` with a message per field (``body``, ``name``, ``email``, ``url``,
    ``parent``, or ``__all__``), worded for the reader who typed it.
    """
    rules = rules or DiscussionSettings.current()
    errors: dict[str, str] = {}
    # Browsers send line breaks as CRLF; count (and store) them as one character, as the
    # reader's textarea did.
    body = body.replace("\r\n", "\n")
    if not post.is_live:
        raise ValidationError("This post is not published, so it cannot take comments.")
    if not post.comments_open:
        raise ValidationError("Comments are closed on this post.")

    text = body.strip()
    if not text:
        errors["body"] = "Please write a comment before posting."
    elif len(body) > rules.max_length:
        errors["body"] = (
            f"Your comment is {len(body):,} characters long; the limit is {rules.max_length:,}. "
            "Please shorten it — your text is kept below."
        )

    if user is not None and user.is_authenticated:
        name, email = "", ""
    else:
        user = None
        name = name.strip()
        email = email.strip()
        if _CONTROL.search(name):
            errors["name"] = "Your name cannot contain line breaks or control characters."
        elif bidi.has_direction_controls(name):
            errors["name"] = (
                "Your name cannot contain invisible characters that change the direction of "
                "the text (such as right-to-left override). Please type it without them."
            )
        elif len(name) > NAME_MAX_LENGTH:
            errors["name"] = f"Please keep your name under {NAME_MAX_LENGTH} characters."
        if not email:
            errors["email"] = "Please give your email address. It is never shown publicly."
        elif _CONTROL.search(email):
            errors["email"] = "Your email address cannot contain line breaks."
        elif len(email) > EMAIL_MAX_LENGTH:
            errors["email"] = (
                f"Your email address is {len(email)} characters long; the longest an address "
                f"can be is {EMAIL_MAX_LENGTH}. Please check it."
            )
        else:
            try:
                _email(email)
            except ValidationError:
                errors["email"] = f"“{email}” is not a valid email address."
    url = url.strip()
    if url:
        if len(url) > URL_MAX_LENGTH or not safe_url(url):
            errors["url"] = "Your website must be a full address starting with http:// or https://."
        else:
            try:
                _http_url(url)
            except ValidationError:
                errors["url"] = f"“{url}” is not a valid web address."

    parent: Comment | None = None
    if parent_id is not None:
        parent = Comment.objects.filter(pk=parent_id).first()
        if parent is None or parent.post_id != post.pk:
            errors["parent"] = "The comment you are replying to is not on this post."
            parent = None
        elif parent.status != Comment.Status.PUBLIC:
            errors["parent"] = "The comment you are replying to is no longer public."
            parent = None

    if errors:
        raise ValidationError(errors)
    return Submission(post, body, name, email, url, parent, user)


def holds_all_from(user: User | None, post_author_id: int | None) -> bool:
    """Does the site's "hold every new comment" rule hold a comment by ``user`` on a post by
    ``post_author_id``? (The post's author and moderators are never held by it.) Applied by
    the screening step (moderation's pipeline), not by ``post_comment``."""
    if not DiscussionSettings.current().hold_new_comments:
        return False
    if user is None:
        return True
    return not (user.pk == post_author_id or is_moderator(user))


def _make_public(comment: Comment, now: datetime) -> None:
    """Give ``comment`` the next number of its post. Call inside a transaction."""
    # The UPDATE locks the post row until commit, so concurrent comments queue for numbers.
    Post.objects.filter(pk=comment.post_id).update(
        last_comment_number=F("last_comment_number") + 1,
        public_comment_count=F("public_comment_count") + 1,
    )
    comment.number = Post.objects.values_list("last_comment_number", flat=True).get(
        pk=comment.post_id
    )
    comment.status = Comment.Status.PUBLIC
    comment.published_at = now


@transaction.atomic
def post_comment(
    submission: Submission,
    *,
    ip_address: str | None = None,
    user_agent: str = "",
    now: datetime | None = None,
    outcome: str = "approve",
    moderation: dict[str, Any] | None = None,
) -> Comment:
    """Store a validated comment: public at once if ``outcome`` is ``approve``, else held
    (``hold``) or filed as spam (``spam``).

    ``outcome`` is the screening's decision (``discussion.intake``: the moderation pipeline,
    which also applies the site's "hold every new comment" rule) and ``moderation`` its
    findings, kept on the comment. New comments come through ``intake.receive``.
    """
    if outcome not in ("approve", "hold", "spam"):
        raise ValueError(f"unknown outcome {outcome!r}")
    now = now or timezone.now()
    rules = DiscussionSettings.current()
    post = submission.post
    parent = submission.parent
    in_reply_to = parent
    # Past the deepest level a reply joins its parent's level instead of nesting further.
    while parent is not None and parent.depth >= rules.max_depth - 1:
        parent = parent.parent
    comment = Comment(
        post=post,
        parent=parent,
        in_reply_to=in_reply_to,
        depth=(parent.depth + 1) if parent else 0,
        user=submission.user,
        author_name=submission.name,
        author_email=submission.email,
        author_url=submission.url,
        ip_address=ip_address,
        user_agent=user_agent[:500],
        body=submission.body,
        body_html=render_markdown(submission.body, COMMENT),
        body_hash=text_hash(submission.body),
        created_at=now,
        status=Comment.Status.SPAM if outcome == "spam" else Comment.Status.PENDING,
        moderation=moderation or {},
    )
    if outcome == "approve":
        _make_public(comment, now)
    comment.path = ""
    comment.save()
    segment = PATH_SEGMENT.format(created=now, pk=comment.pk)
    comment.path = (parent.path if parent else "") + segment
    Comment.objects.filter(pk=comment.pk).update(path=comment.path)
    if comment.status == Comment.Status.PUBLIC:
        pagination.note_public(comment)
    fragments.refresh(comment, post)
    return comment


def edit_window_open(comment: Comment, now: datetime | None = None) -> bool:
    """Is ``comment`` still inside the site's edit window?"""
    minutes = DiscussionSettings.current().edit_window_minutes
    return minutes > 0 and (now or timezone.now()) < comment.created_at + timedelta(minutes=minutes)


def can_edit_comment(
    comment: Comment,
    *,
    user: User | None,
    owned_ids: set[int] | frozenset[int] = frozenset(),
    now: datetime | None = None,
) -> bool:
    """May this visitor still edit ``comment``? Its author, within the window, if not removed."""
    if comment.status not in (Comment.Status.PUBLIC, Comment.Status.PENDING):
        return False
    if not edit_window_open(comment, now):
        return False
    if user is not None and user.is_authenticated and comment.user_id is not None:
        return bool(comment.user_id == user.pk)
    return comment.user_id is None and comment.pk in owned_ids


@transaction.atomic
def edit_comment(
    comment: Comment,
    body: str,
    *,
    user: User | None,
    owned_ids: set[int] | frozenset[int] = frozenset(),
    now: datetime | None = None,
) -> Comment:
    """Replace a comment's text, if its author may still edit it."""
    now = now or timezone.now()
    if not can_edit_comment(comment, user=user, owned_ids=owned_ids, now=now):
        raise PermissionDenied("This comment can no longer be edited.")
    rules = DiscussionSettings.current()
    body = body.replace("\r\n", "\n")
    if not body.strip():
        raise ValidationError({"body": "A comment cannot be empty."})
    if len(body) > rules.max_length:
        raise ValidationError(
            {
                "body": f"Your comment is {len(body):,} characters long; the limit is "
                f"{rules.max_length:,}. Please shorten it — your text is kept below."
            }
        )
    comment.body = body
    comment.body_html = render_body(body, comment.body_format, COMMENT)
    comment.body_hash = text_hash(body)
    comment.edited_at = now
    comment.save(update_fields=["body", "body_html", "body_hash", "edited_at"])
    fragments.refresh(comment)
    return comment


@transaction.atomic
def approve_comment(comment: Comment, *, by: User, now: datetime | None = None) -> Comment:
    """Make a held, spam or removed comment public. A comment that was public before keeps
    its number; one never public gets the next number in its post."""
    require_moderator(by)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.status == Comment.Status.PUBLIC:
        return comment
    first_time = comment.number is None
    if first_time:
        _make_public(comment, now or timezone.now())
    else:
        comment.status = Comment.Status.PUBLIC
        Post.objects.filter(pk=comment.post_id).update(
            public_comment_count=F("public_comment_count") + 1
        )
    comment.removal_reason = ""
    comment.save(update_fields=["status", "number", "published_at", "removal_reason"])
    if first_time:
        pagination.note_public(comment)
    fragments.refresh(comment)
    return comment


def _take_down(comment: Comment, status: str, reason: str) -> Comment:
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.status == Comment.Status.PUBLIC:
        Post.objects.filter(pk=comment.post_id).update(
            public_comment_count=F("public_comment_count") - 1
        )
    comment.status = status
    comment.removal_reason = reason
    comment.save(update_fields=["status", "removal_reason"])
    fragments.refresh(comment)
    return comment


@transaction.atomic
def hold_comment(comment: Comment, *, spam: bool = False) -> Comment:
    """Take a comment off the page for review (or file it as spam) by an automatic check, e.g.
    screening imported comments. Its number, if any, stays reserved for it."""
    return _take_down(
        comment,
        Comment.Status.SPAM if spam else Comment.Status.PENDING,
        RemovalReason.SPAM if spam else "",
    )


@transaction.atomic
def remove_comment(comment: Comment, *, by: User, reason: str = RemovalReason.OTHER) -> Comment:
    """Take a comment off the page. The row and its number stay; replies stay readable, under
    a "Removed by a moderator" note giving the reason's category."""
    require_moderator(by)
    if reason not in RemovalReason.values:
        raise ValidationError({"reason": f"“{reason}” is not a removal reason."})
    return _take_down(comment, Comment.Status.REMOVED, reason)


@transaction.atomic
def mark_comment_spam(comment: Comment, *, by: User) -> Comment:
    """File a comment as spam: hidden, kept until ``purge_spam``. If it was public, its number
    stays taken and any replies keep a placeholder above them."""
    require_moderator(by)
    return _take_down(comment, Comment.Status.SPAM, RemovalReason.SPAM)
