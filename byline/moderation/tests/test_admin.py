"""The moderation admin and the comment admin's actions, driven as a moderator would."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from byline.discussion.models import Comment
from byline.moderation import actions
from byline.moderation.models import (
    AuditEntry,
    Ban,
    ClassifierVersion,
    ModerationSettings,
    Report,
    Term,
    TrainingLabel,
)

pytestmark = pytest.mark.django_db

ADMIN = "/admin/moderation"
NO_UNTIL = {"until_0": "", "until_1": ""}


# -- terms -------------------------------------------------------------------------------------


def test_moderator_adds_a_term(moderator_client):
    response = moderator_client.post(f"{ADMIN}/term/add/", {"term": "  casino ", "action": "hold"})
    assert response.status_code == 302
    term = Term.objects.get()
    assert term.term == "casino" and term.action == Term.Action.HOLD  # cleaned by Term.clean
    listing = moderator_client.get(f"{ADMIN}/term/?q=casino").content.decode()
    assert "casino" in listing


def test_a_bad_term_is_refused_and_the_typed_text_kept(moderator_client):
    response = moderator_client.post(f"{ADMIN}/term/add/", {"term": "x", "action": "block"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "A term needs at least two characters." in page and 'value="x"' in page
    assert not Term.objects.exists()


def test_a_duplicate_term_is_refused(moderator_client):
    Term.objects.create(term="casino", action=Term.Action.BLOCK)
    response = moderator_client.post(f"{ADMIN}/term/add/", {"term": "casino", "action": "block"})
    assert response.status_code == 200 and Term.objects.count() == 1


def test_moderator_edits_and_deletes_terms(moderator_client):
    term = Term.objects.create(term="casino", action=Term.Action.BLOCK)
    moderator_client.post(f"{ADMIN}/term/{term.pk}/change/", {"term": "casinos", "action": "hold"})
    term.refresh_from_db()
    assert (term.term, term.action) == ("casinos", Term.Action.HOLD)
    moderator_client.post(f"{ADMIN}/term/{term.pk}/delete/", {"post": "yes"})
    assert not Term.objects.exists()


# -- bans --------------------------------------------------------------------------------------


def test_moderator_adds_a_ban_and_it_is_audited(moderator_client, moderator):
    response = moderator_client.post(
        f"{ADMIN}/ban/add/",
        {"kind": "network", "value": " 203.0.113.7/24 ", "reason": "spam wave", **NO_UNTIL},
    )
    assert response.status_code == 302
    ban = Ban.objects.get()
    assert ban.value == "203.0.113.0/24" and ban.until is None and ban.created_by == moderator
    entry = AuditEntry.objects.get(action=AuditEntry.Action.BAN)
    assert entry.actor == moderator and entry.reason == "spam wave"
    assert entry.after["value"] == "203.0.113.0/24"
    assert response["Location"].endswith("/admin/moderation/ban/")


def test_a_ban_with_an_end_date(moderator_client):
    until = timezone.localtime() + timedelta(days=7)
    moderator_client.post(
        f"{ADMIN}/ban/add/",
        {"kind": "email", "value": "Spammer@Example.org", "reason": "",
         "until_0": until.strftime("%Y-%m-%d"), "until_1": until.strftime("%H:%M:%S")},
    )  # fmt: skip
    ban = Ban.objects.get()
    assert ban.value == "spammer@example.org" and ban.until is not None
    assert abs((ban.until - until).total_seconds()) < 1


def test_an_invalid_ban_is_refused_with_the_typed_value_kept(moderator_client):
    response = moderator_client.post(
        f"{ADMIN}/ban/add/", {"kind": "ip", "value": "300.1.2.3", "reason": "", **NO_UNTIL}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "is not a valid ip" in page and 'value="300.1.2.3"' in page
    assert not Ban.objects.exists() and not AuditEntry.objects.exists()


def test_a_hostile_ban_reason_is_escaped_in_the_list(moderator_client):
    moderator_client.post(
        f"{ADMIN}/ban/add/",
        {"kind": "domain", "value": "spam.example", "reason": "<script>alert(1)</script>",
         **NO_UNTIL},
    )  # fmt: skip
    page = moderator_client.get(f"{ADMIN}/ban/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_saved_bans_are_read_only_and_never_deleted(moderator_client, moderator):
    ban = actions.ban(by=moderator, kind="ip", value="192.0.2.9", reason="flood")
    assert moderator_client.get(f"{ADMIN}/ban/{ban.pk}/change/").status_code == 200
    response = moderator_client.post(
        f"{ADMIN}/ban/{ban.pk}/change/",
        {"kind": "ip", "value": "192.0.2.10", "reason": "", **NO_UNTIL},
    )
    assert response.status_code == 403
    assert (
        moderator_client.post(f"{ADMIN}/ban/{ban.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    ban.refresh_from_db()
    assert ban.value == "192.0.2.9"


def test_lift_selected_bans_is_audited_and_filters_follow(moderator_client, moderator):
    lifted = actions.ban(by=moderator, kind="ip", value="192.0.2.9")
    kept = actions.ban(by=moderator, kind="ip", value="192.0.2.77")
    response = moderator_client.post(
        f"{ADMIN}/ban/", {"action": "lift", "_selected_action": [lifted.pk]}
    )
    assert response.status_code == 302
    assert set(Ban.objects.active()) == {kept}
    entry = AuditEntry.objects.get(action=AuditEntry.Action.UNBAN)
    assert entry.actor == moderator and "192.0.2.9" in entry.target
    active = moderator_client.get(f"{ADMIN}/ban/?status=active").content.decode()
    expired = moderator_client.get(f"{ADMIN}/ban/?status=expired").content.decode()
    assert "192.0.2.77" in active and "192.0.2.9<" not in active
    assert "192.0.2.9<" in expired and "192.0.2.77" not in expired


def test_people_who_are_not_moderators_cannot_use_the_moderation_admin(login, author, reader):
    for path in (f"{ADMIN}/ban/", f"{ADMIN}/term/add/", f"{ADMIN}/auditentry/"):
        assert login(author).get(path).status_code == 403
        assert login(reader).get(path).status_code == 302  # not staff: to the admin login
    login(author).post(f"{ADMIN}/ban/add/", {"kind": "ip", "value": "192.0.2.1", **NO_UNTIL})
    assert not Ban.objects.exists()


# -- read-only records ---------------------------------------------------------------------------


@pytest.fixture
def audit_entry(moderator, post, add_comment):
    comment = add_comment(post, "A remark.")
    actions.remove(comment, by=moderator, reason="off_topic")
    return AuditEntry.objects.get(action=AuditEntry.Action.REMOVE)


def test_audit_log_refuses_add_change_and_delete_even_for_admins(login, admin_user, audit_entry):
    client = login(admin_user)
    listing = client.get(f"{ADMIN}/auditentry/?action__exact=remove")
    assert listing.status_code == 200 and "off-topic" in listing.content.decode()
    assert client.get(f"{ADMIN}/auditentry/{audit_entry.pk}/change/").status_code == 200
    assert client.get(f"{ADMIN}/auditentry/add/").status_code == 403
    assert client.post(f"{ADMIN}/auditentry/add/", {"action": "ban"}).status_code == 403
    changed = client.post(
        f"{ADMIN}/auditentry/{audit_entry.pk}/change/", {"action": "ban", "reason": "x"}
    )
    assert changed.status_code == 403
    deleted = client.post(f"{ADMIN}/auditentry/{audit_entry.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 403
    client.post(
        f"{ADMIN}/auditentry/",
        {"action": "delete_selected", "_selected_action": [audit_entry.pk], "post": "yes"},
    )
    audit_entry.refresh_from_db()
    assert audit_entry.action == AuditEntry.Action.REMOVE


def test_audit_log_search_and_date_filter(moderator_client, audit_entry):
    found = moderator_client.get(f"{ADMIN}/auditentry/?q=off-topic").content.decode()
    assert "off-topic" in found
    assert "off-topic" not in moderator_client.get(f"{ADMIN}/auditentry/?q=zzz").content.decode()
    today = timezone.localdate()
    dated = moderator_client.get(
        f"{ADMIN}/auditentry/?created_at__year={today.year}&created_at__month={today.month}"
    )
    assert dated.status_code == 200 and "off-topic" in dated.content.decode()


def test_reports_are_listed_read_only(moderator_client, post, add_comment):
    comment = add_comment(post, "Reported remark.")
    report, _ = actions.report(comment, reason="abuse", note="rude", ip="192.0.2.4")
    page = moderator_client.get(f"{ADMIN}/report/").content.decode()
    assert "rude" in page
    assert moderator_client.get(f"{ADMIN}/report/add/").status_code == 403
    assert (
        moderator_client.post(f"{ADMIN}/report/{report.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert Report.objects.filter(pk=report.pk).exists()


def test_classifier_versions_show_accuracy_not_weights(login, admin_user):
    ClassifierVersion.objects.create(
        kind="spam", version=3, data=b"SECRET-WEIGHTS", decisions=8,
        metrics={"seen": 8, "correct": 6},
    )  # fmt: skip
    client = login(admin_user)
    page = client.get(f"{ADMIN}/classifierversion/").content.decode()
    assert "75.0%" in page and "SECRET-WEIGHTS" not in page
    version = ClassifierVersion.objects.get()
    detail = client.get(f"{ADMIN}/classifierversion/{version.pk}/change/").content.decode()
    assert "75.0%" in detail and "SECRET-WEIGHTS" not in detail
    assert client.get(f"{ADMIN}/classifierversion/add/").status_code == 403


def test_moderation_settings_are_a_single_row(login, admin_user):
    client = login(admin_user)
    ModerationSettings.current()
    assert client.get(f"{ADMIN}/moderationsettings/add/").status_code == 403
    assert client.post(f"{ADMIN}/moderationsettings/1/delete/", {"post": "yes"}).status_code == 403
    assert ModerationSettings.objects.count() == 1


# -- the comment admin's actions --------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "status", "audit", "label"),
    [
        ("approve", Comment.Status.PUBLIC, AuditEntry.Action.APPROVE, ("spam", False)),
        ("mark_spam", Comment.Status.SPAM, AuditEntry.Action.SPAM, ("spam", True)),
        ("remove", Comment.Status.REMOVED, AuditEntry.Action.REMOVE, None),
    ],
)
def test_comment_admin_actions_go_through_moderation(
    moderator_client, moderator, post, add_comment, hold_comments, action, status, audit, label
):
    older = add_comment(post, "first held", now=timezone.now() - timedelta(minutes=5))
    newer = add_comment(post, "second held")
    response = moderator_client.post(
        "/admin/discussion/comment/", {"action": action, "_selected_action": [newer.pk, older.pk]}
    )
    assert response.status_code == 302
    for comment in (older, newer):
        comment.refresh_from_db()
        assert comment.status == status
    entries = AuditEntry.objects.filter(action=audit)
    assert entries.count() == 2 and {e.actor for e in entries} == {moderator}
    if label is not None:
        kind, positive = label
        assert TrainingLabel.objects.filter(kind=kind, positive=positive).count() == 2
    if action == "approve":  # oldest first: numbers follow the writing order
        assert (older.number, newer.number) == (1, 2)
    if action == "remove":
        assert {older.removal_reason, newer.removal_reason} == {"other"}


def test_comment_admin_actions_are_not_offered_to_non_moderators(login, author, post, add_comment):
    comment = add_comment(post, "text")
    response = login(author).post(
        "/admin/discussion/comment/", {"action": "mark_spam", "_selected_action": [comment.pk]}
    )
    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLIC and not AuditEntry.objects.exists()


def test_comments_cannot_be_deleted_in_the_admin_even_by_the_superuser(
    admin_user, login, post, add_comment
):
    comment = add_comment(post, "Stays, whatever the admin tries.")
    client = login(admin_user)
    assert client.get(f"/admin/discussion/comment/{comment.pk}/delete/").status_code == 403
    page = client.get("/admin/discussion/comment/").content.decode()
    assert "delete_selected" not in page
    response = client.post(
        "/admin/discussion/comment/",
        {"action": "delete_selected", "_selected_action": [comment.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert Comment.objects.filter(pk=comment.pk).exists()
    post.refresh_from_db()
    assert post.public_comment_count == 1
