"""The classifiers learn the site's own standards from its moderators' decisions."""

from __future__ import annotations

import pytest

from byline.discussion.models import Comment
from byline.moderation import actions, learning
from byline.moderation.models import AuditEntry, ClassifierVersion, TrainingLabel
from byline.moderation.scoring import current_model

pytestmark = pytest.mark.django_db

# A site whose moderators treat one local kind of spam (ferry-ticket resellers) as spam, which
# the shipped weights have never seen, and approve ordinary talk about tickets.
SPAMMY = "Resale ferry passes {i}, message Captain Quay for a quayside discount code {i}"
HAMMY = "I queued {i} minutes for the ferry today; the passes went up again, sadly."


def _decide(post, add_comment, moderator, n: int, capture) -> None:
    for i in range(n):
        spam = add_comment(post, SPAMMY.format(i=i))
        ham = add_comment(post, HAMMY.format(i=i))
        with capture(execute=True):
            actions.mark_spam(spam, by=moderator)
        with capture(execute=True):
            actions.approve(ham, by=moderator)


def test_a_few_dozen_decisions_change_the_report_and_the_scores(
    post, add_comment, moderator, django_capture_on_commit_callbacks
):
    probe = SPAMMY.format(i=999)
    start = current_model("spam").score(probe)
    assert learning.report("spam")["source"] == "shipped starting weights"
    _decide(post, add_comment, moderator, 20, django_capture_on_commit_callbacks)
    report = learning.report("spam")
    assert report["decisions"] == 40 and report["labels"] == 40
    assert report["version"] == 40  # one version per decision, learned after each commit
    assert current_model("spam").score(probe) > max(start, 0.5)
    # The later decisions were predicted better than the first ones.
    recent = report["recent_accuracy"]
    assert recent is not None and report["accuracy"] is not None
    assert recent >= report["accuracy"]
    assert ClassifierVersion.objects.filter(kind="spam").count() == learning.KEEP_VERSIONS


def test_retraining_replays_the_current_labels_and_is_audited(
    post, add_comment, moderator, django_capture_on_commit_callbacks
):
    _decide(post, add_comment, moderator, 5, django_capture_on_commit_callbacks)
    # A moderator changes their mind about one comment: spam → approved.
    changed = Comment.objects.filter(status=Comment.Status.SPAM).first()
    assert changed is not None
    with django_capture_on_commit_callbacks(execute=True):
        actions.approve(changed, by=moderator)
    assert TrainingLabel.objects.get(comment=changed, kind="spam").positive is False
    version = learning.retrain("spam", by=moderator)
    assert version.metrics["seen"] == TrainingLabel.objects.filter(kind="spam").count() == 10
    entry = AuditEntry.objects.get(action=AuditEntry.Action.RETRAIN)
    assert entry.actor == moderator and entry.after["version"] == version.version


def test_a_second_process_storing_the_same_version_is_not_an_error(
    post, add_comment, moderator, django_capture_on_commit_callbacks
):
    comment = add_comment(post, "Cheap passes, message me")
    actions.mark_spam(comment, by=moderator)  # label recorded, not yet learned
    first = learning.learn_new_labels("spam")
    assert first is not None and first.version == 1
    assert learning.learn_new_labels("spam") is None  # nothing new


def test_the_classifier_page_shows_the_report_and_retrains_on_post(
    post, add_comment, moderator, moderator_client, django_capture_on_commit_callbacks
):
    _decide(post, add_comment, moderator, 3, django_capture_on_commit_callbacks)
    page = moderator_client.get("/moderation/classifiers/").content.decode()
    assert "Decisions learned" in page and "6 (labels on record: 6)" in page
    assert moderator_client.get("/moderation/classifiers/retrain/").status_code == 405
    response = moderator_client.post("/moderation/classifiers/retrain/")
    assert response.status_code == 303
    assert AuditEntry.objects.filter(action=AuditEntry.Action.RETRAIN).count() == 2


def test_a_label_that_commits_after_a_newer_one_is_still_learned(post, add_comment, moderator):
    # On PostgreSQL ids are handed out at insert, commits may come in another order: learning
    # goes by "not learned yet", not by id.
    older = add_comment(post, "Cheap passes, message me")
    newer = add_comment(post, "Discount passes, message me today")
    early = TrainingLabel.objects.create(comment=older, kind="spam", positive=True, text=older.body)
    late = TrainingLabel.objects.create(comment=newer, kind="spam", positive=True, text=newer.body)
    TrainingLabel.objects.filter(pk=early.pk).update(learned_in=None)
    # Pretend the newer label was learned first (it committed first).
    TrainingLabel.objects.filter(pk=late.pk).update(learned_in=1)
    ClassifierVersion.objects.create(
        kind="spam", version=1, data=learning.load_starting_model("spam").to_bytes(), decisions=1
    )
    version = learning.learn_new_labels("spam")
    assert version is not None and version.version == 2
    early.refresh_from_db()
    assert early.learned_in == 2


def test_purging_spam_keeps_what_it_taught(post, add_comment, moderator):
    from datetime import timedelta

    from django.utils import timezone

    old = add_comment(post, "Old spam to forget", now=timezone.now() - timedelta(days=60))
    actions.mark_spam(old, by=moderator)
    assert actions.purge_spam() == 1
    kept = TrainingLabel.objects.get()
    assert kept.comment is None and kept.text == "Old spam to forget" and kept.positive
    version = learning.retrain("spam")
    assert version.metrics["seen"] == 1


def test_a_bulk_action_learns_once_per_kind(post, add_comment, moderator, hold_comments):
    comments = [add_comment(post, f"Held comment number {i}.") for i in range(6)]
    actions.bulk("approve", comments, by=moderator)
    assert ClassifierVersion.objects.filter(kind="spam").count() == 1
    assert ClassifierVersion.objects.filter(kind="abuse").count() == 1
    assert learning.report("spam")["decisions"] == 6
