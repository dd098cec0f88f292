"""Appeals: a commenter asks once for another look at their held, spam or removed comment; a
moderator restores it or keeps the decision; both are audited and shown to the commenter.

The service rules first (``moderation.appeals``), then the commenter's pages (the thread and
``/comments/<pk>/appeal/``), then the queue's Appeals tab."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import timedelta
from html import unescape
from typing import Any

import html5lib
import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from byline.accounts.models import User
from byline.discussion.models import Comment
from byline.discussion.ownership import SESSION_KEY
from byline.discussion.services import post_comment, validate_submission
from byline.moderation import actions, appeals
from byline.moderation.appeals import Commenter
from byline.moderation.models import Appeal, AuditEntry, TrainingLabel
from byline.moderation.pipeline import form_stamp
from byline.moderation.ratelimits import RateLimited
from byline.publishing.models import Post

pytestmark = pytest.mark.django_db

QUEUE = "/moderation/"
# What the automatic checks store: the moderator's view names scores and words; the
# commenter's view must not.
ABUSE_VERDICT = {
    "action": "hold",
    "code": "abuse_score",
    "phase": "classifiers",
    "reason": "Abuse score 0.91 (“parasites”, “drag”).",
    "findings": [],
    "scores": {"abuse": 0.91, "spam": 0.02},
    "features": {"abuse": [["parasites", 2.31], ["drag", 1.2]]},
}
SPAM_VERDICT = {
    "action": "spam",
    "code": "spam_score",
    "phase": "classifiers",
    "reason": "Spam score 0.97 (“cheap”, “pills”).",
    "findings": [],
    "scores": {"spam": 0.97},
    "features": {"spam": [["cheap", 3.1], ["pills", 2.9]]},
}
TERM_VERDICT = {
    "action": "spam",
    "code": "blocked_term",
    "phase": "word_lists",
    "reason": "Contains the blocked term “secretword”.",
}
BAN_VERDICT = {
    "action": "spam",
    "code": "ban_email",
    "phase": "bans",
    "reason": "Banned (Email address dan@example.org until 2030-01-01). Troll from elsewhere",
}
NEW_VERDICT = {
    "action": "hold",
    "code": "new_commenter",
    "phase": "trust",
    "reason": "First comments from a guest whose email address is not verified in this "
    "browser are checked (0 approved so far, 1 needed).",
}


def make(
    post: Post,
    body: str = "The ferry timetable was better last year.",
    *,
    outcome: str = "hold",
    verdict: dict[str, Any] | None = None,
    user: User | None = None,
    name: str = "Dockside Dan",
    email: str = "dan@example.org",
) -> Comment:
    """A comment as the pipeline would have stored it (held, spam or public)."""
    submission = validate_submission(post, body=body, name=name, email=email, user=user)
    return post_comment(
        submission,
        ip_address="203.0.113.7",
        outcome=outcome,
        moderation=verdict if verdict is not None else NEW_VERDICT,
    )


def guest(comment: Comment, ip: str = "203.0.113.7") -> Commenter:
    """The guest whose session posted ``comment``."""
    return Commenter(owned_ids=frozenset({comment.pk}), ip=ip)


def guest_client(*comments: Comment) -> Client:
    """A browser whose session posted ``comments`` as a guest (as the comment view records)."""
    client = Client()
    session = client.session
    session[SESSION_KEY] = [c.pk for c in comments]
    session.save()
    return client


def removed(post: Post, moderator: User, reason: str = "off_topic", **kwargs: Any) -> Comment:
    public = make(post, outcome="approve", verdict={"action": "approve"}, **kwargs)
    assert public.status == Comment.Status.PUBLIC
    return actions.remove(public, by=moderator, reason=reason)


def assert_valid_html(content: bytes) -> None:
    html5lib.HTMLParser(strict=True).parse(content)


def text(html: str) -> str:
    """What a reader reads: the page without its tags."""
    return unescape(re.sub(r"<[^>]+>", "", html))


def csrf_token(client: Client) -> str:
    return client.get("/session/csrf/").json()["csrfToken"]


def wait_for_room_in_the_hour() -> None:
    """The appeal limit counts in fixed one-hour windows; a test that sends six must not
    straddle the change of window, or the sixth would be allowed."""
    left = 3600 - time.time() % 3600
    if left < 30:
        time.sleep(left + 1)


# -- the rules -----------------------------------------------------------------------------------


def test_a_held_comment_can_be_appealed_once_by_its_guest_and_nothing_else_changes(post):
    comment = make(post)
    sent = len(mail.outbox)
    who = guest(comment)
    assert appeals.can_appeal(comment, who)

    made = appeals.appeal(comment, "  I quoted the article; please read it again.  ", who=who)

    assert made.note == "I quoted the article; please read it again."
    assert made.status_when_asked == "pending" and made.is_open
    assert made.reason_shown == appeals.HELD_WORDS["new_commenter"]
    assert made.ip_address == "203.0.113.7" and made.user is None
    comment.refresh_from_db()
    # Asking changes nothing about the comment and sends nobody anything.
    assert comment.status == Comment.Status.PENDING and comment.number is None
    assert len(mail.outbox) == sent
    entry = AuditEntry.objects.get(action=AuditEntry.Action.APPEAL)
    assert entry.comment == comment and entry.actor is None
    assert entry.reason == made.note
    assert entry.before == {"status": "pending"}
    assert entry.after == {"status": "pending", "appeal": "open"}
    # Once, ever.
    assert not appeals.can_appeal(comment, who)
    with pytest.raises(ValidationError, match="you can ask once"):
        appeals.appeal(comment, "Again, please.", who=who)
    assert Appeal.objects.count() == 1


def test_once_ever_even_after_the_decision(post, moderator):
    comment = removed(post, moderator)
    who = guest(comment)
    made = appeals.appeal(comment, "It was on topic.", who=who)
    appeals.decide_appeal(made, by=moderator, uphold=True)
    with pytest.raises(ValidationError, match="you can ask once"):
        appeals.appeal(Comment.objects.get(pk=comment.pk), "Really.", who=who)


def test_only_the_author_may_appeal(post, moderator, reader, make_post):
    by_guest = removed(post, moderator)
    by_reader = removed(post, moderator, user=reader)
    other_account = User.objects.create_user("someone", "someone@example.org", "x" * 20)
    strangers = [
        Commenter(),  # no session, not signed in
        Commenter(owned_ids=frozenset({by_reader.pk + 100})),  # another guest
        Commenter(user=other_account),  # another account
        Commenter(user=moderator),  # moderators use the queue, not this
    ]
    for who in strangers:
        for comment in (by_guest, by_reader):
            assert not appeals.can_appeal(comment, who)
            assert appeals.standing(comment, who) is None
            with pytest.raises(PermissionDenied):
                appeals.appeal(comment, "Let me in.", who=who)
    # A session cannot claim an account's comment, even holding its id.
    assert not appeals.can_appeal(by_reader, Commenter(owned_ids=frozenset({by_reader.pk})))
    assert not appeals.can_appeal(by_guest, Commenter(user=reader))
    # The authors can.
    assert appeals.can_appeal(by_guest, guest(by_guest))
    assert appeals.can_appeal(by_reader, Commenter(user=reader))
    appeals.appeal(by_reader, "Please look again.", who=Commenter(user=reader, ip="192.0.2.9"))
    entry = AuditEntry.objects.get(action=AuditEntry.Action.APPEAL)
    assert entry.actor == reader
    assert Appeal.objects.get().user == reader


def test_only_held_spam_or_removed_comments_can_be_appealed(post, moderator):
    public = make(post, outcome="approve", verdict={"action": "approve"})
    assert public.status == Comment.Status.PUBLIC
    with pytest.raises(ValidationError, match="public"):
        appeals.appeal(public, "Why not?", who=guest(public))
    held = make(post, "Held for a word.")
    spam = make(post, "Cheap ferry passes!", outcome="spam", verdict=SPAM_VERDICT)
    gone = removed(post, moderator, body="Off topic entirely.")
    for comment in (held, spam, gone):
        assert appeals.can_appeal(comment, guest(comment)), comment.status


def test_the_status_is_read_again_when_appealing(post, moderator):
    comment = make(post)
    stale = Comment.objects.get(pk=comment.pk)
    actions.approve(comment, by=moderator)  # a moderator published it meanwhile
    with pytest.raises(ValidationError, match="public"):
        appeals.appeal(stale, "Please.", who=guest(stale))


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("", "Please say in a few words"),
        ("   \n ", "Please say in a few words"),
        ("x" * 501, "500 characters (it has 501)"),
        ("nul \x00 here", "cannot be stored"),
    ],
)
def test_the_note_is_required_and_short(post, note, message):
    comment = make(post)
    with pytest.raises(ValidationError) as caught:
        appeals.appeal(comment, note, who=guest(comment))
    assert message in " ".join(caught.value.message_dict["note"])
    assert not Appeal.objects.exists() and not AuditEntry.objects.filter(action="appeal").exists()


def test_a_note_of_exactly_500_characters_is_fine(post):
    comment = make(post)
    assert len(appeals.appeal(comment, "y" * 500, who=guest(comment)).note) == 500


def test_appeals_are_rate_limited_per_address(post, moderator):
    comments = [removed(post, moderator, body=f"Comment number {i} here.") for i in range(6)]
    owner = Commenter(owned_ids=frozenset(c.pk for c in comments), ip="198.51.100.4")
    wait_for_room_in_the_hour()
    for comment in comments[:5]:
        appeals.appeal(comment, "Please look again.", who=owner)
    with pytest.raises(RateLimited) as caught:
        appeals.appeal(comments[5], "Please look again.", who=owner)
    assert caught.value.retry_after > 0
    assert Appeal.objects.count() == 5


def test_the_appeal_and_its_audit_row_share_one_transaction(post, monkeypatch):
    comment = make(post)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the audit log is down")

    monkeypatch.setattr(appeals, "record", broken)
    with pytest.raises(RuntimeError):
        appeals.appeal(comment, "Please look again.", who=guest(comment))
    assert not Appeal.objects.exists()


def test_restoring_approves_publishes_teaches_and_audits(post, moderator):
    comment = removed(post, moderator, reason="abuse")
    made = appeals.appeal(comment, "It was criticism, not abuse.", who=guest(comment))
    before_labels = set(TrainingLabel.objects.values_list("kind", "positive"))
    assert before_labels == {("abuse", True)}

    answered = appeals.decide_appeal(made, by=moderator, uphold=False, note="Fair point.")

    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLIC and comment.number == 1
    assert comment.removal_reason == ""
    assert answered.outcome == Appeal.Outcome.RESTORED and answered.decided_by == moderator
    assert answered.decision_note == "Fair point." and answered.decided_at is not None
    # Approved through actions.approve: the classifiers learn "acceptable here".
    assert set(TrainingLabel.objects.values_list("kind", "positive")) == {
        ("abuse", False),
        ("spam", False),
    }
    approve = AuditEntry.objects.get(action=AuditEntry.Action.APPROVE)
    assert approve.actor == moderator and approve.reason == "Fair point."
    decided = AuditEntry.objects.get(action=AuditEntry.Action.APPEAL_DECIDED)
    assert decided.actor == moderator and decided.comment == comment
    assert decided.reason == "Fair point."
    assert decided.before == {"status": "removed", "number": 1, "removal_reason": "abuse",
                              "appeal": "open"}  # fmt: skip
    assert decided.after == {"status": "public", "number": 1, "appeal": "restored"}
    # The public thread shows it again.
    assert "It was criticism" not in Client().get(post.get_absolute_url()).content.decode()
    page = Client().get(post.get_absolute_url()).content.decode()
    assert "The ferry timetable was better last year." in page


def test_keeping_the_decision_leaves_the_comment_and_audits_the_note(post, moderator):
    comment = make(post, "Cheap ferry passes!", outcome="spam", verdict=SPAM_VERDICT)
    made = appeals.appeal(comment, "I am a real person.", who=guest(comment))
    answered = appeals.decide_appeal(made, by=moderator, uphold=True, note="Still an ad.")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.SPAM and comment.number is None
    assert answered.outcome == Appeal.Outcome.KEPT and answered.decision_note == "Still an ad."
    decided = AuditEntry.objects.get(action=AuditEntry.Action.APPEAL_DECIDED)
    assert decided.reason == "Still an ad." and decided.actor == moderator
    assert decided.after == {"status": "spam", "appeal": "kept"}
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.APPROVE).exists()
    assert not TrainingLabel.objects.exists()
    standing = appeals.standing(comment, guest(comment))
    assert standing is not None and standing.decision == "kept as spam"


def test_an_appeal_is_answered_once_and_only_by_a_moderator(post, moderator, reader):
    comment = removed(post, moderator)
    made = appeals.appeal(comment, "Please.", who=guest(comment))
    with pytest.raises(PermissionDenied):
        appeals.decide_appeal(made, by=reader, uphold=False)
    made.refresh_from_db()
    assert made.is_open
    with pytest.raises(ValidationError, match="500"):
        appeals.decide_appeal(made, by=moderator, uphold=True, note="n" * 501)
    appeals.decide_appeal(made, by=moderator, uphold=True)
    with pytest.raises(ValidationError, match="already answered"):
        appeals.decide_appeal(made, by=moderator, uphold=False)
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.REMOVED


def test_a_failed_decision_leaves_the_appeal_open(post, moderator, monkeypatch):
    comment = removed(post, moderator)
    made = appeals.appeal(comment, "Please.", who=guest(comment))
    real = appeals.record

    def broken(action: str, **kwargs: Any) -> Any:
        if action == AuditEntry.Action.APPEAL_DECIDED:
            raise RuntimeError("the audit log is down")
        return real(action, **kwargs)

    monkeypatch.setattr(appeals, "record", broken)
    with pytest.raises(RuntimeError):
        appeals.decide_appeal(made, by=moderator, uphold=False)
    made.refresh_from_db()
    assert made.is_open
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.REMOVED
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.APPROVE).exists()


def test_a_decision_from_another_tab_answers_the_appeal(post, moderator):
    held = make(post, "Held, then approved from the pending tab.")
    spam_later = make(post, "Held, then marked as spam.")
    first = appeals.appeal(held, "Please.", who=guest(held))
    second = appeals.appeal(spam_later, "Please.", who=guest(spam_later))

    actions.approve(held, by=moderator)
    actions.mark_spam(spam_later, by=moderator)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.outcome == Appeal.Outcome.RESTORED and first.decided_by == moderator
    assert second.outcome == Appeal.Outcome.KEPT and second.decided_by == moderator
    rows = AuditEntry.objects.filter(action=AuditEntry.Action.APPEAL_DECIDED).order_by("id")
    assert [(r.comment_id, r.after["appeal"]) for r in rows] == [
        (held.pk, "restored"),
        (spam_later.pk, "kept"),
    ]
    assert rows[0].reason == "Approved in the queue"
    # Deciding again later does not answer anything twice.
    actions.remove(held, by=moderator, reason="other")
    assert AuditEntry.objects.filter(action=AuditEntry.Action.APPEAL_DECIDED).count() == 2


def test_purging_spam_waits_for_an_open_appeal(post, moderator):
    old = timezone.now() - timedelta(days=40)
    appealed = make(post, "Old spam, appealed.", outcome="spam", verdict=SPAM_VERDICT)
    quiet = make(post, "Old spam, nobody asked.", outcome="spam", verdict=SPAM_VERDICT)
    Comment.objects.filter(pk__in=[appealed.pk, quiet.pk]).update(created_at=old)
    made = appeals.appeal(appealed, "I am not a bot.", who=guest(appealed))
    assert actions.purge_spam() == 1
    assert Comment.objects.filter(pk=appealed.pk).exists()
    appeals.decide_appeal(made, by=moderator, uphold=True)
    assert actions.purge_spam() == 1
    assert not Comment.objects.filter(pk=appealed.pk).exists()
    assert not Appeal.objects.exists()


@pytest.mark.parametrize(
    ("outcome", "verdict", "expected", "hidden"),
    [
        ("hold", ABUSE_VERDICT, appeals.HELD_WORDS["abuse_score"], ["0.91", "parasites", "drag"]),
        ("hold", NEW_VERDICT, appeals.HELD_WORDS["new_commenter"], ["0 approved", "1 needed"]),
        ("spam", SPAM_VERDICT, appeals.SPAM_WORDS["spam_score"], ["0.97", "cheap", "pills"]),
        ("spam", TERM_VERDICT, appeals.SPAM_WORDS["blocked_term"], ["secretword"]),
        ("spam", BAN_VERDICT, appeals.SPAM_WORDS["ban"], ["Troll", "2030", "dan@example"]),
        ("hold", {"action": "approve", "code": "ok"}, appeals.HOLD_EVERYTHING, []),
        ("hold", {"action": "hold", "code": "new_check"}, appeals.HELD_DEFAULT, []),
    ],
)
def test_the_commenter_is_told_why_in_words_without_the_internals(
    post, outcome, verdict, expected, hidden
):
    comment = make(post, "Some words of mine.", outcome=outcome, verdict=verdict)
    standing = appeals.standing(comment, guest(comment))
    assert standing is not None and standing.reason == expected
    for secret in hidden:
        assert secret not in standing.reason
    assert standing.label == {"hold": "Held for review", "spam": "Filed as spam"}[outcome]


def test_spam_a_moderator_filed_says_so(post, moderator):
    comment = make(post, "A public comment, then spam.", outcome="approve", verdict=SPAM_VERDICT)
    comment = actions.mark_spam(comment, by=moderator)
    standing = appeals.standing(comment, guest(comment))
    assert standing is not None and standing.reason == appeals.SPAM_BY_MODERATOR


# -- the commenter's pages -----------------------------------------------------------------------


def post_as_guest(client: Client, post: Post, body: str) -> Comment:
    """Post through the real form, so the session remembers the comment as the view does."""
    data = {
        "csrfmiddlewaretoken": csrf_token(client),
        "body": body,
        "name": "Dockside Dan",
        "email": "dan@example.org",
        "shown": form_stamp(timezone.now() - timedelta(seconds=60)),
        "homepage": "",
    }
    response = client.post(f"/comments/post/{post.pk}/", data, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 303
    return Comment.objects.filter(post=post, body=body).get()


def test_a_guest_sees_why_asks_from_the_thread_and_sees_the_answer(post, moderator):
    dan = Client()
    comment = post_as_guest(dan, post, "The ferry timetable was better last year.")
    assert comment.status == Comment.Status.PENDING
    url = post.get_absolute_url()

    page = dan.get(url)
    assert "private" in page["Cache-Control"]
    html = page.content.decode()
    assert_valid_html(page.content)
    assert f'id="standing-{comment.pk}"' in html
    assert "Held for review." in html and appeals.HELD_WORDS["new_commenter"] in html
    assert "Ask for another look" in html
    assert f'action="/comments/{comment.pk}/appeal/"' in html

    response = dan.post(
        f"/comments/{comment.pk}/appeal/",
        {"csrfmiddlewaretoken": csrf_token(dan), "note": "It is about the timetable."},
    )
    assert response.status_code == 303
    assert response["Location"] == f"{url}#pending-{comment.pk}"
    html = text(dan.get(url).content.decode())
    today = timezone.localtime().strftime("%B %-d, %Y")
    assert f"You asked for another look on {today}; a moderator will decide." in html
    assert "Why should a moderator look again?" not in html
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.PENDING

    appeals.decide_appeal(Appeal.objects.get(), by=moderator, uphold=False, note="Welcome!")
    html = text(dan.get(url).content.decode())
    assert f"A moderator looked again on {today}: restored. Their note: “Welcome!”" in html
    assert "Held for review." not in html


def test_the_author_sees_their_removed_comment_as_written_and_nobody_else_does(
    post, moderator, reader, login
):
    reply_to = make(post, "A public comment first.", outcome="approve", verdict={})
    removed(post, moderator, body="My removed words, kept from others.", user=reader)
    gone_alone = removed(post, moderator, body="Removed, no replies, by a guest.")
    url = post.get_absolute_url()

    mine = login(reader).get(url).content.decode()
    assert "My removed words, kept from others." in mine
    assert "Removed by a moderator." in mine and "Only you can see this comment." in mine
    assert "Reason: off-topic." in mine
    assert 'class="badge pending-badge">Removed by a moderator</strong>' in mine
    assert "Removed, no replies, by a guest." not in mine

    theirs = guest_client(gone_alone).get(url).content.decode()
    assert "Removed, no replies, by a guest." in theirs
    assert "My removed words" not in theirs

    for other in (Client(), guest_client(reply_to), login(moderator)):
        html = other.get(url).content.decode()
        assert "My removed words" not in html and "Removed, no replies" not in html
        assert "standing-" not in html and "Ask for another look" not in html


def test_own_spam_is_shown_to_its_writer_with_words_not_scores(post):
    spam = make(post, "Cheap ferry passes, honestly!", outcome="spam", verdict=SPAM_VERDICT)
    dan = guest_client(spam)
    html = dan.get(post.get_absolute_url()).content.decode()
    assert "Cheap ferry passes, honestly!" in html
    assert "Filed as spam." in html and appeals.SPAM_WORDS["spam_score"] in html
    assert "0.97" not in html and "pills" not in html
    # Never stored as a fragment for everyone (it was never public).
    assert Comment.objects.get(pk=spam.pk).html == ""
    assert "Cheap ferry" not in Client().get(post.get_absolute_url()).content.decode()


def test_the_appeal_page_is_the_authors_alone(post, moderator, reader, login):
    gone = removed(post, moderator, body="Secret removed text.", reason="personal")
    url = f"/comments/{gone.pk}/appeal/"
    nowhere = Client().get(f"/comments/{gone.pk + 1000}/appeal/")
    assert nowhere.status_code == 404
    assert "There is no comment of yours here." in nowhere.content.decode()
    outsiders = {
        "stranger": Client(),
        "another guest": guest_client(make(post, "Someone else's.")),
        "another account": login(reader),
        "a moderator": login(moderator),
    }
    for who, client in outsiders.items():
        for response in (
            client.get(url),
            client.post(url, {"note": "Let me see."}),
        ):
            assert response.status_code == 404, who
            html = response.content.decode()
            # The page says what it says for a comment that does not exist, and nothing more.
            assert "There is no comment of yours here." in html, who
            assert "Secret removed text" not in html and "personal information" not in html, who
            assert str(post.title) not in html and "Dockside Dan" not in html, who
    assert not Appeal.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.APPEAL).exists()

    mine = guest_client(gone).get(url)
    assert mine.status_code == 200 and "no-cache" in mine["Cache-Control"]
    assert_valid_html(mine.content)
    html = mine.content.decode()
    assert "Secret removed text." in html and "Reason: personal information." in html


def test_a_signed_in_author_appeals_from_the_appeal_page(post, moderator, reader, login):
    gone = removed(post, moderator, body="Reader's removed comment.", user=reader)
    client = login(reader)
    page = client.get(f"/comments/{gone.pk}/appeal/")
    assert page.status_code == 200
    assert "Why should a moderator look again?" in page.content.decode()
    response = client.post(f"/comments/{gone.pk}/appeal/", {"note": "Please reconsider."})
    assert response.status_code == 303
    assert Appeal.objects.get().user == reader


def test_a_bad_note_comes_back_whole_with_the_reason(post):
    comment = make(post)
    dan = guest_client(comment)
    long_note = "Because " + "really " * 80
    response = dan.post(f"/comments/{comment.pk}/appeal/", {"note": long_note})
    assert response.status_code == 400
    assert_valid_html(response.content)
    html = response.content.decode()
    assert f"Please keep the note to 500 characters (it has {len(long_note.strip())})" in html
    found = re.search(r'<textarea name="note"[^>]*>(.*?)</textarea>', html, re.S)
    assert found is not None and unescape(found.group(1)) == long_note
    assert not Appeal.objects.exists()


def test_asking_twice_through_the_page_says_once(post):
    comment = make(post)
    dan = guest_client(comment)
    assert dan.post(f"/comments/{comment.pk}/appeal/", {"note": "One."}).status_code == 303
    again = dan.post(f"/comments/{comment.pk}/appeal/", {"note": "Two."})
    assert again.status_code == 400
    assert "you can ask once" in again.content.decode()
    assert Appeal.objects.get().note == "One."


def test_appealing_needs_a_csrf_token_and_keeps_the_note_without_one(post):
    comment = make(post)
    dan = Client(enforce_csrf_checks=True)
    session = dan.session
    session[SESSION_KEY] = [comment.pk]
    session.save()
    response = dan.post(f"/comments/{comment.pk}/appeal/", {"note": "Forged or stale."})
    assert response.status_code == 403
    assert "Nothing was sent" in response.content.decode()
    assert "Forged or stale." in response.content.decode()
    assert not Appeal.objects.exists()
    ok = dan.post(
        f"/comments/{comment.pk}/appeal/",
        {"note": "Now with a token.", "csrfmiddlewaretoken": csrf_token(dan)},
    )
    assert ok.status_code == 303 and Appeal.objects.get().note == "Now with a token."


def test_the_rate_limit_answers_429_with_retry_after(post, moderator):
    comments = [removed(post, moderator, body=f"Removed comment {i}.") for i in range(6)]
    dan = guest_client(*comments)
    wait_for_room_in_the_hour()
    for comment in comments[:5]:
        assert dan.post(f"/comments/{comment.pk}/appeal/", {"note": "Hi."}).status_code == 303
    response = dan.post(f"/comments/{comments[5].pk}/appeal/", {"note": "Hi."})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_strangers_pages_stay_shared_and_show_nothing_personal(post, moderator):
    public = make(post, "A public comment.", outcome="approve", verdict={})
    held = make(post, "Held and appealed.")
    before = Client().get(post.get_absolute_url())
    appeals.appeal(held, "Please.", who=guest(held))
    after = Client().get(post.get_absolute_url())
    assert "public" in after["Cache-Control"]
    for response in (before, after):
        html = response.content.decode()
        assert "Held and appealed." not in html and "standing-" not in html
        assert "A public comment." in html
    assert before.content == after.content
    assert public.status == Comment.Status.PUBLIC


# -- the queue -----------------------------------------------------------------------------------


@pytest.fixture
def appealed(post: Post, moderator: User) -> Callable[..., Appeal]:
    def make_appeal(body: str = "Removed but fine.", note: str = "Please look again.") -> Appeal:
        comment = removed(post, moderator, body=body)
        return appeals.appeal(comment, note, who=guest(comment))

    return make_appeal


def test_the_appeals_tab_lists_open_appeals_with_what_a_moderator_needs(
    post, moderator_client, appealed
):
    first = appealed("First removed comment.", "It was on topic: read the article.")
    second = appealed("Second removed comment.", "Mine <b>too</b>.")
    response = moderator_client.get(f"{QUEUE}?tab=appeals")
    assert response.status_code == 200
    assert_valid_html(response.content)
    html = response.content.decode()
    assert (
        'href="/moderation/?tab=appeals" aria-current="page">Appeals <span class="count">2' in html
    )
    items = response.context["items"]
    assert [i.comment.pk for i in items] == [first.comment_id, second.comment_id]  # oldest first
    assert "It was on topic: read the article." in html
    assert "Mine &lt;b&gt;too&lt;/b&gt;." in html  # escaped
    assert "while it was removed" in html
    assert f"They were told: “{appeals.reason_for(first.comment)}”" in html
    assert f'action="/moderation/appeals/{first.pk}/restore/" data-action="approve"' in html
    assert f'action="/moderation/appeals/{first.pk}/keep/" data-action="dismiss"' in html
    assert 'id="bulk-form"' not in html
    # Every tab counts open appeals.
    assert response.context["counts"]["appeals"] == 2


def test_an_appeal_shows_on_the_pending_tab_too(post, moderator_client):
    held = make(post, "Held and appealed.")
    appeals.appeal(held, "Please look.", who=guest(held))
    html = moderator_client.get(QUEUE).content.decode()
    assert "The commenter asked for another look" in html and "Please look." in html
    assert "Deciding here answers the appeal too" in html


def test_restore_from_the_queue(post, moderator_client, appealed):
    appeal = appealed()
    response = moderator_client.post(
        f"/moderation/appeals/{appeal.pk}/restore/", {"tab": "appeals", "page": "1"}
    )
    assert response.status_code == 303 and response["Location"] == "/moderation/?tab=appeals"
    comment = Comment.objects.get(pk=appeal.comment_id)
    assert comment.status == Comment.Status.PUBLIC
    appeal.refresh_from_db()
    assert appeal.outcome == Appeal.Outcome.RESTORED
    listing = moderator_client.get(f"{QUEUE}?tab=appeals")
    assert listing.context["items"] == [] and "Restored the comment" in listing.content.decode()


def test_keep_from_the_queue_with_json_and_the_commenter_sees_it(post, moderator_client, appealed):
    appeal = appealed()
    response = moderator_client.post(
        f"/moderation/appeals/{appeal.pk}/keep/",
        {"tab": "appeals", "note": "Still off-topic, sorry."},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] and body["status"] == "removed" and body["status_label"] == "Removed"
    assert "Kept the decision" in body["message"]
    comment = Comment.objects.get(pk=appeal.comment_id)
    assert comment.status == Comment.Status.REMOVED
    entry = AuditEntry.objects.get(action=AuditEntry.Action.APPEAL_DECIDED)
    assert entry.reason == "Still off-topic, sorry."
    html = text(guest_client(comment).get(post.get_absolute_url()).content.decode())
    today = timezone.localtime().strftime("%B %-d, %Y")
    assert (
        f"A moderator looked again on {today}: kept removed. Their note: “Still off-topic, sorry.”"
        in html
    )


def test_queue_answers_refuse_bad_input(post, moderator_client, appealed):
    appeal = appealed()
    bad = moderator_client.post(f"/moderation/appeals/{appeal.pk}/shrug/", {"tab": "appeals"})
    assert bad.status_code == 400 and "not an answer to an appeal" in bad.content.decode()
    missing = moderator_client.post("/moderation/appeals/999999/restore/", {"tab": "appeals"})
    assert missing.status_code == 404
    long = moderator_client.post(
        f"/moderation/appeals/{appeal.pk}/keep/",
        {"tab": "appeals", "note": "n" * 501},
        HTTP_ACCEPT="application/json",
    )
    assert long.status_code == 400 and "500 characters" in long.json()["error"]
    moderator_client.post(f"/moderation/appeals/{appeal.pk}/keep/", {"tab": "appeals"})
    twice = moderator_client.post(f"/moderation/appeals/{appeal.pk}/restore/", {"tab": "appeals"})
    assert twice.status_code == 400 and "already answered" in twice.content.decode()
    assert Comment.objects.get(pk=appeal.comment_id).status == Comment.Status.REMOVED


def test_queue_answers_are_moderator_only_and_need_csrf(
    post, moderator, reader_client, stranger, appealed, login
):
    appeal = appealed()
    url = f"/moderation/appeals/{appeal.pk}/restore/"
    assert reader_client.post(url).status_code == 403
    assert reader_client.get(f"{QUEUE}?tab=appeals").status_code == 403
    refused = stranger.post(url)
    assert refused.status_code == 302 and "/accounts/login/" in refused["Location"]
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(moderator)
    assert strict.post(url, {"tab": "appeals"}).status_code == 403
    appeal.refresh_from_db()
    assert appeal.is_open
    assert Comment.objects.get(pk=appeal.comment_id).status == Comment.Status.REMOVED


def test_the_audit_log_lists_both_sides(post, moderator, moderator_client, appealed):
    appeal = appealed()
    appeals.decide_appeal(appeal, by=moderator, uphold=True, note="No.")
    html = moderator_client.get("/moderation/log/?action=appeal").content.decode()
    assert "Commenter asked for another look" in html and "Please look again." in html
    html = moderator_client.get("/moderation/log/?action=reviewed").content.decode()
    assert "Decided an appeal" in html


@pytest.mark.parametrize("count", [3, 30])
def test_the_appeals_tab_costs_a_fixed_number_of_queries(
    count: int,
    post: Post,
    moderator: User,
    moderator_client: Client,
    django_assert_max_num_queries: Any,
) -> None:
    owner = Commenter(owned_ids=frozenset(), ip=None)
    for i in range(count):
        comment = removed(post, moderator, body=f"Removed comment {i}.")
        owner = Commenter(owned_ids=frozenset({comment.pk}), ip=f"192.0.2.{i}")
        appeals.appeal(comment, f"Note {i}.", who=owner)
    moderator_client.get(f"{QUEUE}?tab=appeals")
    # The same budget as the other tabs (test_queue.py).
    with django_assert_max_num_queries(14):
        response = moderator_client.get(f"{QUEUE}?tab=appeals")
    assert len(response.context["items"]) == count
