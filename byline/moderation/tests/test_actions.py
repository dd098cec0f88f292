"""Moderator actions: each change, its audit row and its training labels commit together."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from byline.discussion.models import Comment
from byline.moderation import actions, learning, scoring
from byline.moderation.models import AuditEntry, Ban, ClassifierVersion, Report, TrainingLabel
from byline.moderation.ratelimits import RateLimited
from byline.moderation.scoring import current_model
from byline.moderation.tests.helpers import moderation_off

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(post, add_comment, hold_comments):
    return add_comment(post, "A held comment about the ferry.")


def test_approving_numbers_audits_and_labels(held, moderator):
    comment = actions.approve(held, by=moderator, note="fine")
    assert comment.status == Comment.Status.PUBLIC and comment.number == 1
    entry = AuditEntry.objects.get(action=AuditEntry.Action.APPROVE)
    assert entry.actor == moderator and entry.reason == "fine"
    assert entry.before == {"status": "pending"}
    assert entry.after == {"status": "public", "number": 1}
    labels = {(t.kind, t.positive) for t in TrainingLabel.objects.filter(comment=comment)}
    assert labels == {("spam", False), ("abuse", False)}


def test_removing_as_abusive_keeps_the_number_and_labels_abuse(post, add_comment, moderator):
    comment = add_comment(post, "Something nasty.")
    comment = actions.remove(comment, by=moderator, reason="abuse")
    assert comment.status == Comment.Status.REMOVED and comment.number == 1
    assert comment.removal_reason == "abuse"
    post.refresh_from_db()
    assert post.public_comment_count == 0 and post.last_comment_number == 1
    assert TrainingLabel.objects.get(comment=comment).kind == "abuse"
    entry = AuditEntry.objects.get(action=AuditEntry.Action.REMOVE)
    assert entry.before["status"] == "public" and entry.after["removal_reason"] == "abuse"


def test_removing_off_topic_teaches_no_classifier(post, add_comment, moderator):
    comment = actions.remove(add_comment(post, "About cricket."), by=moderator, reason="off_topic")
    assert not TrainingLabel.objects.filter(comment=comment).exists()


def test_an_unknown_removal_reason_is_refused_and_nothing_changes(post, add_comment, moderator):
    comment = add_comment(post)
    with pytest.raises(ValidationError):
        actions.remove(comment, by=moderator, reason="because")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLIC
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.REMOVE).exists()


def test_marking_a_public_comment_with_replies_as_spam_leaves_a_placeholder(
    post, add_comment, moderator, stranger
):
    parent = add_comment(post, "Visit my shop for cheap ferry tickets!")
    add_comment(post, "Is this real?", parent=parent)
    actions.mark_spam(parent, by=moderator)
    page = stranger.get(post.get_absolute_url()).content.decode()
    assert "cheap ferry tickets" not in page
    assert "Removed by a moderator: spam." in page and "Is this real?" in page


def test_readers_and_authors_cannot_moderate(held, reader, author):
    for user in (reader, author):
        with pytest.raises(PermissionDenied):
            actions.approve(held, by=user)
    held.refresh_from_db()
    assert held.status == Comment.Status.PENDING
    assert not AuditEntry.objects.exclude(action=AuditEntry.Action.VERDICT).exists()


def test_a_failure_after_the_change_rolls_back_the_audit_row_too(held, moderator):
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.approve(held, by=moderator)
        raise RuntimeError("the request failed later")
    held.refresh_from_db()
    assert held.status == Comment.Status.PENDING
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.APPROVE).exists()
    assert not TrainingLabel.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_audit_rows_cannot_be_written_outside_a_transaction():
    from byline.moderation.audit import record

    with pytest.raises(RuntimeError):
        record(AuditEntry.Action.PURGE, target="nothing")


def test_banning_a_guest_bans_email_and_ip_and_the_next_comment_is_spam(
    post, add_comment, moderator
):
    from byline.discussion.services import validate_submission
    from byline.moderation.submit import submit_comment

    moderation_off()
    comment = add_comment(post, "Rude.", email="Rude@Example.org")
    made = actions.ban_commenter(
        comment, by=moderator, until=actions.parse_until("7d"), reason="insults"
    )
    assert {(b.kind, b.value) for b in made} == {("email", "rude@example.org"), ("ip", "127.0.0.1")}
    assert AuditEntry.objects.filter(action=AuditEntry.Action.BAN).count() == 2
    again = submit_comment(
        validate_submission(post, body="Still rude.", email="rude@example.org"),
        ip_address="198.51.100.1",
        rate_limit=False,
    )
    assert again.status == Comment.Status.SPAM and again.moderation["code"] == "ban_email"
    # Banning again does not duplicate active bans.
    assert actions.ban_commenter(comment, by=moderator) == []


def test_a_ban_on_a_signed_in_reader_is_by_account(post, add_comment, moderator, reader):
    comment = add_comment(post, "Hello.", user=reader)
    (made,) = actions.ban_commenter(comment, by=moderator)
    assert made.kind == Ban.Kind.ACCOUNT and made.value == reader.username and made.until is None


def test_ban_lengths_are_explained_when_wrong():
    now = timezone.now()
    assert actions.parse_until("24h", now) == now + timedelta(hours=24)
    assert actions.parse_until("2w", now) == now + timedelta(days=14)
    assert actions.parse_until("permanent") is None
    for bad in ("soon", "0d", "-1d", "7x", "d"):
        with pytest.raises(ValidationError, match="not a ban length"):
            actions.parse_until(bad)


def test_an_invalid_network_ban_is_refused(moderator):
    with pytest.raises(ValidationError, match="not a valid network"):
        actions.ban(by=moderator, kind=Ban.Kind.NETWORK, value="300.1.2.0/24")
    assert not Ban.objects.exists() and not AuditEntry.objects.exists()


def test_lifting_a_ban_ends_it_and_is_audited(moderator):
    entry = actions.ban(by=moderator, kind=Ban.Kind.DOMAIN, value="@Spam.example")
    assert entry.value == "spam.example" and Ban.objects.active().count() == 1
    actions.lift_ban(entry, by=moderator)
    assert Ban.objects.active().count() == 0
    assert AuditEntry.objects.filter(action=AuditEntry.Action.UNBAN).count() == 1


def test_reports_reach_the_threshold_once_per_reader(post, add_comment, reader):
    comment = add_comment(post, "Contested.")
    actions.report(comment, reason="abuse", reporter=reader, ip="192.0.2.1")
    actions.report(comment, reason="spam", reporter=reader, ip="192.0.2.1")  # same reader
    assert actions.open_reports(comment) == 1
    assert comment not in list(actions.reported_comments())
    actions.report(comment, reason="other", note="Doxxing", ip="192.0.2.2")
    assert [c.pk for c in actions.reported_comments()] == [comment.pk]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.REPORT).count() == 2


def test_report_input_is_checked(post, add_comment, hold_comments):
    comment = add_comment(post)  # held: not public
    with pytest.raises(ValidationError, match="choose why"):
        actions.report(comment, reason="dislike", ip="192.0.2.1")
    with pytest.raises(ValidationError, match="not public"):
        actions.report(comment, reason="spam", ip="192.0.2.1")


def test_reports_are_rate_limited_per_ip(post, add_comment):
    comments = [add_comment(post, f"Comment {i}.") for i in range(11)]
    for c in comments[:10]:
        actions.report(c, reason="spam", ip="192.0.2.9")
    with pytest.raises(RateLimited) as caught:
        actions.report(comments[10], reason="spam", ip="192.0.2.9")
    assert caught.value.retry_after >= 1
    assert Report.objects.count() == 10


def test_dismissing_closes_reports_and_approving_resolves_them(post, add_comment, moderator):
    comment = add_comment(post)
    for ip in ("192.0.2.1", "192.0.2.2"):
        actions.report(comment, reason="abuse", ip=ip)
    assert actions.dismiss_reports(comment, by=moderator) == 2
    assert actions.open_reports(comment) == 0
    entry = AuditEntry.objects.get(action=AuditEntry.Action.DISMISS)
    assert entry.before == {"open_reports": 2}


def test_bulk_approval_numbers_in_writing_order(post, add_comment, hold_comments, moderator):
    now = timezone.now()
    older = add_comment(post, "Written first.", now=now - timedelta(minutes=5))
    newer = add_comment(post, "Written second.", now=now)
    assert actions.bulk("approve", [newer, older], by=moderator) == 2
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.number, newer.number) == (1, 2)
    with pytest.raises(ValidationError):
        actions.bulk("delete", [older], by=moderator)


def test_purging_deletes_old_spam_only_and_keeps_spam_with_replies(post, add_comment, moderator):
    old = timezone.now() - timedelta(days=40)
    lone = actions.mark_spam(add_comment(post, "Old spam.", now=old), by=moderator)
    parent = add_comment(post, "Old spam, replied to.", now=old)
    add_comment(post, "A reply under it.", parent=parent)
    parent = actions.mark_spam(parent, by=moderator)
    recent = actions.mark_spam(add_comment(post, "Recent spam."), by=moderator)
    with transaction.atomic():
        assert actions.purge_spam() == 1
    remaining = set(Comment.objects.values_list("pk", flat=True))
    assert lone.pk not in remaining and {parent.pk, recent.pk} <= remaining
    entry = AuditEntry.objects.get(action=AuditEntry.Action.PURGE)
    assert entry.after["deleted"] == 1
    # The audit rows about the purged comment stay, without their link.
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SPAM, comment=None).count() == 1


def test_a_decision_is_learned_after_commit_into_a_new_version(
    post, add_comment, hold_comments, moderator, django_capture_on_commit_callbacks
):
    comment = add_comment(post, "Win free crypto now, click my profile link!!!")
    inputs = scoring.inputs_for_comment(comment)
    before = current_model("spam").score(inputs)
    with django_capture_on_commit_callbacks(execute=True):
        actions.mark_spam(comment, by=moderator)
    version = ClassifierVersion.objects.get(kind="spam")
    assert version.version == 1 and version.decisions == 1
    assert current_model("spam").score(inputs) > before
    report = learning.report("spam")
    assert report["decisions"] == 1 and report["source"] == "refit on this site's decisions"


def test_the_audit_before_state_is_the_locked_one_not_a_stale_copy(held, moderator):
    stale = Comment.objects.get(pk=held.pk)  # loaded while pending
    actions.approve(held, by=moderator)
    actions.mark_spam(stale, by=moderator)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SPAM)
    assert entry.before == {"status": "public", "number": 1}


def test_bulk_actions_are_capped_with_a_clear_message(post, add_comment, moderator, monkeypatch):
    monkeypatch.setattr(actions, "BULK_LIMIT", 2)
    comments = [add_comment(post, f"c{i}") for i in range(3)]
    with pytest.raises(ValidationError, match="at most 2 at once"):
        actions.bulk("spam", comments, by=moderator)
    assert not Comment.objects.filter(status=Comment.Status.SPAM).exists()


def test_staff_and_moderator_accounts_cannot_be_banned_from_the_queue(
    post, add_comment, moderator, author
):
    comment = add_comment(post, "The author's own reply.", user=author)
    with pytest.raises(ValidationError, match="staff or moderator"):
        actions.ban_commenter(comment, by=moderator)
    assert not Ban.objects.exists()
