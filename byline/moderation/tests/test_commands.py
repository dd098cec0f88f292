"""``byline purge_spam`` and ``byline classifiers``, run through ``call_command`` on a real DB."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from byline.discussion.models import Comment
from byline.moderation import actions
from byline.moderation.models import AuditEntry, ClassifierVersion, ModerationSettings

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def as_spam(*comments: Comment) -> None:
    # Setup only: the purge reads the status, however it was set.
    Comment.objects.filter(pk__in=[c.pk for c in comments]).update(status=Comment.Status.SPAM)


@pytest.fixture
def spam_site(post, add_comment):
    """Old spam, old spam with a reply, new spam and an old public comment."""
    old = timezone.now() - timedelta(days=40)
    doomed = add_comment(post, "buy cheap pills", now=old)
    answered = add_comment(post, "cheap watches here", now=old)
    reply = add_comment(post, "Is this real?", parent=answered, now=old + timedelta(hours=1))
    fresh = add_comment(post, "casino bonus", now=timezone.now() - timedelta(days=2))
    kept = add_comment(post, "An old, ordinary remark.", now=old)
    as_spam(doomed, answered, fresh)
    return {"doomed": doomed, "answered": answered, "reply": reply, "fresh": fresh, "kept": kept}


# -- purge_spam ----------------------------------------------------------------------------------


def test_purge_deletes_only_old_spam_without_replies(spam_site):
    out, _ = run("purge_spam", "--older-than-days", "30")
    assert out.strip() == "Deleted 1 spam comment older than 30 days."
    remaining = set(Comment.objects.values_list("pk", flat=True))
    assert spam_site["doomed"].pk not in remaining
    for name in ("answered", "reply", "fresh", "kept"):
        assert spam_site[name].pk in remaining, name
    entry = AuditEntry.objects.get(action=AuditEntry.Action.PURGE)
    assert entry.after["deleted"] == 1 and "30 days" in entry.reason


def test_purge_uses_the_sites_retention_by_default(spam_site):
    rules = ModerationSettings.current()
    rules.spam_retention_days = 1
    rules.save()
    out, _ = run("purge_spam")
    assert out.strip() == "Deleted 2 spam comments older than 1 day."
    assert not Comment.objects.filter(pk=spam_site["fresh"].pk).exists()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.PURGE).count() == 1


def test_dry_run_counts_what_would_go_and_deletes_nothing(spam_site):
    before = Comment.objects.count()
    out, _ = run("purge_spam", "--older-than-days", "1", "--dry-run")
    assert "Would delete 2 spam comments older than 1 day" in out and "dry run" in out
    assert Comment.objects.count() == before
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.PURGE).exists()


def test_nothing_to_purge_writes_no_audit_row(post, add_comment):
    add_comment(post, "Fine.")
    out, _ = run("purge_spam", "--older-than-days", "0")
    assert out.strip() == "Deleted 0 spam comments older than 0 days."
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("value", "message"), [("-1", "must be 0 or more (you gave -1)"), ("ten", "invalid int value")]
)
def test_purge_rejects_bad_ages_clearly(spam_site, value, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        run("purge_spam", "--older-than-days", value)
    assert Comment.objects.count() == 5


# -- classifiers ---------------------------------------------------------------------------------


def decide(post, add_comment, moderator, capture, texts_and_verdicts):
    """Moderator decisions through the services; their learning runs on commit, as live."""
    for text, verdict in texts_and_verdicts:
        comment = add_comment(post, text, name=f"n{len(text)}")
        with capture(execute=True):
            if verdict == "spam":
                actions.mark_spam(comment, by=moderator)
            else:
                actions.approve(comment, by=moderator)


DECISIONS = [
    ("Check out my channel, subscribe for free gift cards!!!", "spam"),
    ("The ferry timetable changed again last week, which nobody announced.", "ham"),
    ("Cheap watches and pills, visit my site now", "spam"),
    ("I went to the council meeting; the minutes are accurate.", "ham"),
]


def test_report_with_no_versions_names_the_shipped_weights(db):
    out, err = run("classifiers", "report", "--datasets", "/nonexistent/datasets")
    for kind in ("spam", "abuse"):
        assert f"{kind} classifier" in out
    assert out.count("0 (shipped starting weights)") == 2
    assert "decisions learned:  0" in out and "right before learning –" in out
    assert "acts at score:      0.950 (the shipped default, until 30" in out
    # No data sets (CI, an installed site): a note, not a failure.
    assert "No data sets at /nonexistent/datasets" in err


def test_report_after_moderator_decisions(
    post, add_comment, moderator, django_capture_on_commit_callbacks
):
    decide(post, add_comment, moderator, django_capture_on_commit_callbacks, DECISIONS)
    out, _ = run("classifiers", "report")
    spam_part = out.split("abuse classifier")[0]
    assert "refit on this site's decisions" in spam_part
    assert "decisions learned:  4" in spam_part and "training labels:    4" in spam_part
    assert "(out-of-fold, 2 positive and 2 negative decisions)" in spam_part
    assert "right before learning –" not in spam_part
    # Approvals teach the abuse classifier too (two of them here).
    assert "decisions learned:  2" in out.split("abuse classifier")[1]


def test_retrain_stores_a_new_version_and_audits_it(
    post, add_comment, moderator, django_capture_on_commit_callbacks
):
    decide(post, add_comment, moderator, django_capture_on_commit_callbacks, DECISIONS)
    newest = ClassifierVersion.objects.filter(kind="spam").order_by("-version").first()
    out, _ = run("classifiers", "retrain", "--kind", "spam")
    assert f"refit on 4 labels → version {newest.version + 1}; acts at" in out
    version = ClassifierVersion.objects.filter(kind="spam").order_by("-version").first()
    assert version.version == newest.version + 1 and version.decisions == 4
    entry = AuditEntry.objects.get(action=AuditEntry.Action.RETRAIN)
    assert entry.target == f"spam classifier v{version.version}"
    assert entry.after["version"] == version.version
    # Only the kind asked for.
    assert not ClassifierVersion.objects.filter(kind="abuse", version__gt=2).exists()


def test_retrain_from_nothing_still_stores_a_version(db):
    out, _ = run("classifiers", "retrain")
    assert ClassifierVersion.objects.filter(version=1).count() == 2
    assert AuditEntry.objects.filter(action=AuditEntry.Action.RETRAIN).count() == 2
    assert "refit on 0 labels" in out


def test_reset_needs_yes_then_goes_back_to_the_shipped_weights(
    post, add_comment, moderator, django_capture_on_commit_callbacks
):
    decide(post, add_comment, moderator, django_capture_on_commit_callbacks, DECISIONS)
    stored = ClassifierVersion.objects.count()
    with pytest.raises(CommandError, match="--yes"):
        run("classifiers", "reset")
    assert ClassifierVersion.objects.count() == stored
    out, _ = run("classifiers", "reset", "--kind", "spam", "--yes")
    assert not ClassifierVersion.objects.filter(kind="spam").exists()
    assert ClassifierVersion.objects.filter(kind="abuse").exists()
    assert "training labels are kept" in out
    report, _ = run("classifiers", "report")
    assert "0 (shipped starting weights)" in report.split("abuse classifier")[0]


@pytest.mark.parametrize(
    "args",
    [
        ("classifiers",),
        ("classifiers", "rebuild"),
        ("classifiers", "retrain", "--kind", "toxicity"),
    ],
)
def test_classifiers_rejects_bad_arguments(db, args):
    with pytest.raises(CommandError):
        run(*args)
    assert not ClassifierVersion.objects.exists()
