"""The demo gives a new site's moderators something to triage, with reasons."""

from __future__ import annotations

import pytest

from byline.demo.content import load_demo
from byline.discussion.models import Comment

pytestmark = pytest.mark.django_db


def test_the_demo_queue_holds_the_hostile_comment_with_reasons_and_files_the_spam():
    load_demo()
    pending = {c.author_name: c for c in Comment.objects.filter(status=Comment.Status.PENDING)}
    hostile = pending["Dockside Dan"]
    reasons = " ".join(f["reason"] for f in hostile.moderation["findings"])
    assert "held term “parasite”" in reasons and "not verified" in reasons
    assert "Ines" in pending  # heated but civil: held only as a first comment
    assert {f["code"] for f in pending["Ines"].moderation["findings"]} == {"new_commenter"}
    spam = Comment.objects.get(status=Comment.Status.SPAM)
    assert spam.moderation["code"] == "blocked_term"
    load_demo()  # idempotent
    assert Comment.objects.exclude(status=Comment.Status.PUBLIC).count() == 3


def test_the_demo_thread_comes_in_through_the_readers_intake():
    from byline.demo.content import COMMENTS
    from byline.moderation.models import AuditEntry

    result = load_demo()
    thread = list(
        Comment.objects.filter(post=result.post, status=Comment.Status.PUBLIC).order_by("number")
    )
    assert [c.number for c in thread] == list(range(1, len(COMMENTS) + 1))
    for comment in thread:
        # Every comment carries the pipeline's verdict and its audit row, as a reader's does.
        assert comment.moderation.get("action"), comment
        assert AuditEntry.objects.filter(comment=comment, action=AuditEntry.Action.VERDICT).exists()
    held = [c for c in thread if c.moderation["action"] != "approve"]
    assert held  # the demo guests are new commenters: the pipeline holds them
    for comment in held:  # what the pipeline held, a moderator approved, on the record
        assert AuditEntry.objects.filter(comment=comment, action=AuditEntry.Action.APPROVE)
