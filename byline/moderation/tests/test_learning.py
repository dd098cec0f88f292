"""The classifiers learn the site's own standards from its moderators' decisions."""

from __future__ import annotations

import pytest

from byline.discussion.models import Comment
from byline.moderation import actions, calibration, learning, scoring
from byline.moderation.inputs import Inputs
from byline.moderation.models import (
    AuditEntry,
    ClassifierVersion,
    ModerationSettings,
    TrainingLabel,
)
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


def test_decisions_refit_the_model_and_move_what_crosses_the_threshold(
    post, add_comment, moderator, django_capture_on_commit_callbacks
):
    probe = Inputs(body=SPAMMY.format(i=999).replace("Quay", "Pier"))
    start = current_model("spam").score(probe)
    assert start < calibration.SHIPPED["spam"]  # the shipped weights let it through
    assert learning.report("spam")["source"] == "shipped starting weights"
    _decide(post, add_comment, moderator, 30, django_capture_on_commit_callbacks)
    report = learning.report("spam")
    assert report["decisions"] == 60 and report["labels"] == 60
    assert report["positives"] == 30 and report["negatives"] == 30
    assert report["threshold"] != calibration.SHIPPED["spam"]  # chosen from the approvals
    # Refit over all labels after each decision; only the newest few versions are kept.
    assert ClassifierVersion.objects.filter(kind="spam").count() == learning.KEEP_VERSIONS
    score = current_model("spam").score(probe)
    chosen = ClassifierVersion.objects.filter(kind="spam").latest("version").metrics
    assert score >= chosen["chosen_threshold"] and score > start
    # Ordinary talk about the same ferry stays below it.
    ham = Inputs(body="The ferry passes are dearer this year; I paid 30 more for mine.")
    assert current_model("spam").score(ham) < calibration.current_thresholds()["spam"]
    # Each label kept the score it had before it was learned and the threshold then in force.
    assert report["recent_count"] == learning.RECENT
    assert report["recent_accuracy"] is not None and 0.0 <= report["recent_accuracy"] <= 1.0
    for item in TrainingLabel.objects.filter(kind="spam"):
        assert 0.0 <= item.signals["heldout"] <= 1.0 and item.signals["threshold"] > 0


def test_a_label_keeps_what_the_classifiers_read_but_never_the_address(
    post, add_comment, moderator, django_capture_on_commit_callbacks
):
    comment = add_comment(post, "Thanks, bookmarked!", name="Best CBD Gummies UK")
    Comment.objects.filter(pk=comment.pk).update(
        author_email="sales@gummies-direct.shop", author_url="https://gummies-direct.shop/uk/"
    )
    comment.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        actions.mark_spam(comment, by=moderator)
    label = TrainingLabel.objects.get(kind="spam")
    assert label.signals["name"] == "Best CBD Gummies UK"
    assert label.signals["website"] == "https://gummies-direct.shop/uk/"
    assert label.signals["email_domain"] == "gummies-direct.shop"
    assert "sales@" not in str(label.signals)
    assert 0.0 <= label.signals["heldout"] <= 1.0


def test_retraining_refits_on_the_current_labels_and_is_audited(
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
    assert version.decisions == TrainingLabel.objects.filter(kind="spam").count() == 10
    assert version.metrics["positives"] == 4 and version.metrics["negatives"] == 6
    entry = AuditEntry.objects.get(action=AuditEntry.Action.RETRAIN)
    assert entry.actor == moderator and entry.after["version"] == version.version


def test_two_refits_storing_the_same_version_number_is_not_an_error(
    post, add_comment, moderator, monkeypatch
):
    comment = add_comment(post, "Cheap passes, message me")
    actions.mark_spam(comment, by=moderator)  # label recorded; no commit, so no refit yet
    first = learning.refit("spam")
    assert first is not None and first.version == 1
    # Another process took number 2 between this refit's read and its write.
    real_filter = ClassifierVersion.objects.filter
    ClassifierVersion.objects.create(kind="spam", version=2, data=first.data, decisions=1)
    monkeypatch.setattr(
        ClassifierVersion.objects,
        "filter",
        lambda *a, **kw: real_filter(*a, **kw).filter(version__lte=1),
    )
    assert learning.refit("spam") is None


def test_the_classifier_page_shows_threshold_and_estimate_and_refits_on_post(
    post, add_comment, moderator, moderator_client, django_capture_on_commit_callbacks
):
    _decide(post, add_comment, moderator, 3, django_capture_on_commit_callbacks)
    page = moderator_client.get("/moderation/classifiers/").content.decode()
    assert "Decisions learned" in page and "6 (labels on record: 6" in page
    assert "Acts at score" in page and "the shipped default, until 30" in page
    assert "guessed right before they were learned" in page
    assert moderator_client.get("/moderation/classifiers/retrain/").status_code == 405
    response = moderator_client.post("/moderation/classifiers/retrain/")
    assert response.status_code == 303
    assert AuditEntry.objects.filter(action=AuditEntry.Action.RETRAIN).count() == 2


def test_purging_spam_keeps_what_it_taught(post, add_comment, moderator):
    from datetime import timedelta

    from django.utils import timezone

    old = add_comment(post, "Old spam to forget", now=timezone.now() - timedelta(days=60))
    actions.mark_spam(old, by=moderator)
    assert actions.purge_spam() == 1
    kept = TrainingLabel.objects.get()
    assert kept.comment is None and kept.text == "Old spam to forget" and kept.positive
    version = learning.retrain("spam")
    assert version.decisions == 1 and version.metrics["positives"] == 1


def test_a_bulk_action_refits_once_per_kind(
    post, add_comment, moderator, hold_comments, django_capture_on_commit_callbacks
):
    comments = [add_comment(post, f"Held comment number {i}.") for i in range(6)]
    with django_capture_on_commit_callbacks(execute=True):
        actions.bulk("approve", comments, by=moderator)
    assert ClassifierVersion.objects.filter(kind="spam").count() == 1
    assert ClassifierVersion.objects.filter(kind="abuse").count() == 1
    assert learning.report("spam")["decisions"] == 6


def test_a_threshold_is_chosen_from_the_sites_labels_to_hold_the_target(
    post, add_comment, moderator, django_capture_on_commit_callbacks
):
    rules = ModerationSettings.current()
    assert rules.spam_threshold is None and rules.spam_target == 0.01
    _decide(post, add_comment, moderator, 35, django_capture_on_commit_callbacks)
    version = ClassifierVersion.objects.filter(kind="spam").order_by("-version").first()
    assert version is not None
    negatives = version.metrics["scores"]["negative"]
    assert len(negatives) == 35
    chosen = version.metrics["chosen_threshold"]
    # At most 1 % of the approved comments' out-of-fold scores reach it: with 35, none.
    assert sum(1 for s in negatives if s >= chosen) == 0
    assert chosen == pytest.approx(max(negatives), abs=1e-4)
    # Used, but never below the floor: a spam verdict is not reviewed by anyone.
    in_use = calibration.current_thresholds()["spam"]
    assert in_use == max(chosen, calibration.MIN_THRESHOLD["spam"]) != calibration.SHIPPED["spam"]
    assert "chosen from 35 approved comments" in calibration.threshold_source("spam")
    estimate = calibration.current_estimate("spam")
    assert estimate["threshold"] == pytest.approx(in_use, abs=1e-5)
    assert estimate["flagged_good"] == 0.0 and estimate["recall"] > 0.9
    # A threshold the site types in wins.
    rules.spam_threshold = 0.95
    rules.save()
    assert calibration.current_thresholds()["spam"] == 0.95
    assert calibration.threshold_source("spam") == "set in the moderation settings"


def test_choosing_a_threshold_by_hand():
    negatives = [i / 100 for i in range(100)]  # 0.00 … 0.99
    assert calibration.choose_threshold(negatives[:29], 0.01) is None  # too few to tell
    chosen = calibration.choose_threshold(negatives, 0.01)
    assert chosen is not None and 0.98 < chosen < 0.981  # only 0.99 is flagged
    chosen = calibration.choose_threshold(negatives, 0.05)
    assert chosen is not None and 0.94 < chosen < 0.941  # 0.95 … 0.99: five of a hundred
    assert calibration.choose_confident([0.5] * 19, 0.8) is None
    positives = [0.02] + [0.9] * 99
    assert calibration.choose_confident(positives, 0.8) == 0.4  # capped at half the threshold
    assert calibration.choose_confident([0.05, 0.06] + [0.9] * 48, 0.8) == 0.06


@pytest.mark.django_db(transaction=True)
def test_in_production_the_refit_runs_in_a_background_thread(
    post, add_comment, moderator, settings
):
    settings.BYLINE_LEARN_IN_BACKGROUND = True
    comment = add_comment(post, "Resale ferry passes, message Captain Quay for a code")
    actions.mark_spam(comment, by=moderator)  # commits: the label exists, the refit is queued
    assert TrainingLabel.objects.filter(kind="spam").count() == 1
    assert learning.wait(timeout=60)
    scoring.forget()
    assert ClassifierVersion.objects.filter(kind="spam").count() == 1
    assert learning.report("spam")["decisions"] == 1
