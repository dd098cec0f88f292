"""The commenter history shown with every item of the moderation queue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from byline.accounts.models import User, VerifiedEmail
from byline.discussion.models import Comment, RemovalReason
from byline.discussion.services import post_comment, remove_comment, validate_submission
from byline.moderation.history import histories
from byline.moderation.models import Report
from byline.publishing.models import Post

pytestmark = pytest.mark.django_db

START = timezone.now() - timedelta(days=30)


def _write(
    post: Post,
    *,
    name: str = "Guest",
    email: str = "guest@example.org",
    ip: str | None = "192.0.2.1",
    outcome: str = "hold",
    user: User | None = None,
    days: int = 0,
    body: str = "",
) -> Comment:
    """A comment as the pipeline would store it: ``outcome`` approve, hold or spam."""
    submission = validate_submission(
        post, body=body or f"Comment {name} {days}", name=name, email=email, user=user
    )
    return post_comment(
        submission, ip_address=ip, now=START + timedelta(days=days), outcome=outcome
    )


def test_counts_and_first_seen_follow_the_email_case_insensitively(
    post: Post, moderator: User
) -> None:
    first = _write(post, email="Ann@Example.org", outcome="approve", days=1)
    _write(post, email="ann@example.org", outcome="approve", days=2)
    _write(post, email="ANN@example.org", outcome="spam", days=3)
    removed = _write(post, email="ann@example.org", outcome="approve", days=4)
    remove_comment(removed, by=moderator, reason=RemovalReason.ABUSE)
    _write(post, name="Someone else", email="bob@example.org", outcome="approve", days=0)
    held = _write(post, name="Ann", email="ann@example.org", days=5)

    history = histories([held])[held.pk]

    assert history.identity == "email"
    assert history.email == "ann@example.org"
    assert (history.approved, history.removed, history.pending) == (2, 2, 1)
    assert history.first_seen == first.created_at
    assert history.email_verified is False


def test_an_account_is_its_own_identity_whatever_names_guests_type(
    post: Post, reader: User
) -> None:
    mine = _write(post, user=reader, outcome="approve", days=1)
    # A guest typing the reader's name and even their email address is not the reader.
    for day in (2, 3, 4):
        _write(post, name="Reader", email=reader.email, outcome="spam", days=day)
    held = _write(post, user=reader, days=5)

    history = histories([held])[held.pk]

    assert history.identity == "account"
    assert (history.approved, history.removed, history.pending) == (1, 0, 1)
    assert history.first_seen == mine.created_at
    # The account's own name is not an "other" name; a guest typing it is the same name,
    # so the list stays empty too.
    assert history.other_names == []


def test_other_names_come_from_the_same_email_or_the_same_ip(post: Post, reader: User) -> None:
    _write(post, name="Alicia", email="alice@example.org", ip="198.51.100.7", days=1)
    _write(post, name="Mallory", email="mallory@example.org", ip="192.0.2.10", days=2)
    _write(post, name="Bob", email="bob@example.org", ip="203.0.113.5", days=3)
    _write(post, user=reader, ip="192.0.2.10", days=3)
    held = _write(post, name="Alice", email="alice@example.org", ip="192.0.2.10", days=4)

    history = histories([held])[held.pk]

    assert history.other_names == ["Alicia", "Mallory", "Reader"]


def test_a_verified_address_is_flagged(post: Post) -> None:
    VerifiedEmail.objects.create(email="alice@example.org", verified_at=timezone.now())
    verified = _write(post, name="Alice", email="Alice@Example.org", days=1)
    unverified = _write(post, name="Bob", email="bob@example.org", days=2)

    known = histories([verified, unverified])

    assert known[verified.pk].email_verified is True
    assert known[unverified.pk].email_verified is False


def test_open_reports_are_listed_with_their_reasons_and_notes(post: Post, reader: User) -> None:
    reported = _write(post, outcome="approve", days=1)
    other = _write(post, name="Other", email="other@example.org", outcome="approve", days=2)
    Report.objects.create(comment=reported, reason="abuse", note="Threatens the board")
    Report.objects.create(comment=reported, reason="spam", reporter=reader)
    Report.objects.create(comment=reported, reason="off_topic", resolved=True)
    Report.objects.create(comment=other, reason="spam")

    history = histories([reported])[reported.pk]

    assert [(r.reason, r.note) for r in history.open_reports] == [
        ("Abusive or hateful", "Threatens the board"),
        ("Spam", ""),
    ]


def test_a_guest_without_an_email_has_no_history_to_join(post: Post) -> None:
    _write(post, name="Anon", email="anon@example.org", ip=None, outcome="approve", days=1)
    held = _write(post, name="Anon", email="anon@example.org", ip=None, days=2)
    Comment.objects.filter(pk=held.pk).update(author_email="")
    held.refresh_from_db()

    history = histories([held])[held.pk]

    assert history.identity == ""
    assert (history.approved, history.removed) == (0, 0)
    assert history.first_seen == held.created_at
    assert history.other_names == []


@pytest.mark.parametrize("count", [3, 30])
def test_a_page_of_comments_costs_a_fixed_number_of_queries(
    count: int, post: Post, reader: User, django_assert_max_num_queries: Any
) -> None:
    comments = [
        _write(
            post,
            name=f"Guest {i}",
            email=f"guest{i % 4}@example.org",
            ip=f"192.0.2.{i % 5}",
            days=i,
            user=reader if i % 3 == 0 else None,
        )
        for i in range(count)
    ]
    loaded = list(Comment.objects.select_related("user").filter(pk__in=[c.pk for c in comments]))
    with django_assert_max_num_queries(5):
        known = histories(loaded)
    assert set(known) == {c.pk for c in comments}
    assert known[comments[0].pk].identity == "account"
    assert known[comments[1].pk].identity == "email"


def test_no_comments_no_queries(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        assert histories([]) == {}
