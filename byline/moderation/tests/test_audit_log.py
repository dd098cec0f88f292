"""The moderators' audit log (table, filters, CSV) and the optional public moderation log,
fed by real submissions and real moderator actions."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape

import html5lib
import pytest
from django.contrib.auth.models import Group
from django.test import Client

from byline.accounts.models import User
from byline.accounts.roles import MODERATOR
from byline.discussion.models import Comment
from byline.discussion.services import validate_submission
from byline.moderation import actions
from byline.moderation.models import AuditEntry, ModerationSettings
from byline.moderation.submit import submit_comment
from byline.publishing.models import Post

pytestmark = pytest.mark.django_db

GUEST_IP = "198.51.100.23"
SECRET_BODY = "Quillworth harbor secret text"
REMOVE_NOTE = "Posted a phone number of Mrs Tamsin"
BAN_NOTE = "Spammer known as Zebedee"
REPORT_NOTE = "Reader note Xylophone"


@dataclass
class History:
    kept: Comment  # held, then approved; later reported
    removed: Comment  # approved, then removed as personal information
    spam: Comment  # approved, then filed as spam and its writer banned for 7 days
    otter: User  # the moderator who did all of it


def _submit(post: Post, body: str, name: str, email: str) -> Comment:
    submission = validate_submission(post, body=body, name=name, email=email)
    return submit_comment(submission, ip_address=GUEST_IP, form_stamp=None, rate_limit=False)


@pytest.fixture
def history(post: Post, reader: User) -> History:
    otter = User.objects.create_user(
        "otter", "otter@example.org", "pw-otter-pw", display_name="Otter Kowalski"
    )
    otter.groups.add(Group.objects.get(name=MODERATOR))
    kept = _submit(post, f"{SECRET_BODY} one", "Beatrix Quill", "beatrix@example.org")
    assert kept.status == Comment.Status.PENDING  # a first comment waits (trust threshold)
    kept = actions.approve(kept, by=otter)
    removed = actions.approve(
        _submit(post, f"{SECRET_BODY} two", "Cornelius Vane", "cornelius@example.org"), by=otter
    )
    actions.remove(removed, by=otter, reason="personal", note=REMOVE_NOTE)
    spam = actions.approve(
        _submit(post, f"{SECRET_BODY} three", "Dagny Frost", "dagny@example.org"), by=otter
    )
    actions.mark_spam(spam, by=otter)
    actions.ban_commenter(spam, by=otter, until=actions.parse_until("7d"), reason=BAN_NOTE)
    actions.report(kept, reason="abuse", note=REPORT_NOTE, reporter=reader, ip="192.0.2.50")
    return History(kept=kept, removed=removed, spam=spam, otter=otter)


def table_rows(response) -> list[str]:
    """The text of each row of the log's table body."""
    content = response.content.decode()
    if "<tbody>" not in content:
        return []
    body = content[content.index("<tbody>") : content.index("</tbody>")]
    return [
        " ".join(unescape(re.sub(r"<[^>]+>", " ", row)).split())
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def assert_valid_html(content: bytes) -> None:
    html5lib.HTMLParser(strict=True).parse(content)


# The table


def test_the_log_lists_real_actions_newest_first(moderator_client, history):
    response = moderator_client.get("/moderation/log/")
    assert response.status_code == 200
    assert_valid_html(response.content)
    rows = table_rows(response)
    # 3 verdicts, 3 approvals, a removal, a spam marking, 2 bans (email and IP), a report
    assert len(rows) == AuditEntry.objects.count() == 11
    times = re.findall(r'<td><time datetime="([^"]+)"', response.content.decode())
    assert len(times) == 11 and times == sorted(times, reverse=True)
    assert rows[0].split(" ", 2)[2].startswith("reader Reported by a reader")
    assert any("Byline (automatic) Automatic verdict" in row for row in rows)
    assert rows[-1].split(" ", 2)[2].startswith("Byline (automatic) Automatic verdict")
    page = response.content.decode()
    assert "status: pending → public" in page
    assert "status: public → removed" in page and "removal_reason: — → personal" in page
    # A comment readers can still see is linked; a removed one is plain text.
    kept_url = f"{history.kept.post.get_absolute_url()}comment-{history.kept.number}/"
    assert f'<a href="{kept_url}">comment #1 by Beatrix Quill' in page
    assert f"comment-{history.removed.number}/" not in page
    assert "comment #2 by Cornelius Vane" in page
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("action=remove", ["Removed"]),
        ("action=ban", ["Banned", "Banned"]),  # a guest is banned by email and by IP
        ("actor=reader", ["Reported by a reader"]),
        ("actor=OTTER", ["Approved"] * 3 + ["Removed", "Marked as spam", "Banned", "Banned"]),
        ("actor=automatic", ["Automatic verdict"] * 3),
        ("actor=nobody-here", []),
        ("q=phone+number", ["Removed"]),
        ("q=cornelius", ["Automatic verdict", "Approved", "Removed"]),
        ("action=approve&q=dagny", ["Approved"]),
    ],
)
def test_filters_narrow_the_rows(moderator_client, history, query, expected):
    rows = table_rows(moderator_client.get(f"/moderation/log/?{query}"))
    assert sorted(_action_of(row) for row in rows) == sorted(expected)


ACTION_LABELS = sorted(AuditEntry.Action.labels, key=len, reverse=True)


def _action_of(row: str) -> str:
    return next(label for label in ACTION_LABELS if label in row)


def test_the_comment_filter_shows_one_comments_history(moderator_client, history):
    rows = table_rows(moderator_client.get(f"/moderation/log/?comment={history.kept.pk}"))
    assert [_action_of(r) for r in rows] == [
        "Reported by a reader",
        "Approved",
        "Automatic verdict",
    ]


def test_the_date_filters_use_the_day_of_the_entry(moderator_client, history):
    old = AuditEntry.objects.filter(action=AuditEntry.Action.BAN).first()
    assert old is not None
    old.created_at = datetime(2020, 1, 5, 12, tzinfo=UTC)
    old.save()
    only_old = moderator_client.get("/moderation/log/?date_from=2020-01-05&date_to=2020-01-05")
    assert [_action_of(r) for r in table_rows(only_old)] == ["Banned"]
    until_2020 = moderator_client.get("/moderation/log/?date_to=2020-12-31")
    assert len(table_rows(until_2020)) == 1
    since_2021 = moderator_client.get("/moderation/log/?date_from=2021-01-01")
    assert len(table_rows(since_2021)) == AuditEntry.objects.count() - 1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("action=explode", "“explode” is not an action the log records."),
        ("date_from=5th+of+May", "Please give the “from” date as YYYY-MM-DD."),
        ("date_to=2020-02-31", "Please give the “to” date as YYYY-MM-DD."),
        ("comment=abc", "A comment id is a whole number, like 42."),
        ("comment=-3", "A comment id is a whole number above 0."),
        ("comment=99999999999999999999999", "No comment has an id that large."),
        ("date_from=2999-02-01&date_to=2024-01-01", "The “to” date is before the “from” date."),
        ("q=a%00b", "Null characters are not allowed."),
    ],
)
def test_a_bad_filter_value_is_explained_and_ignored(moderator_client, history, query, message):
    response = moderator_client.get(f"/moderation/log/?{query}")
    assert response.status_code == 200
    page = unescape(response.content.decode())
    assert "Some filters could not be used" in page and message in page
    rows = table_rows(response)
    if "date_from=2999-02-01" in query:
        assert rows == []  # the valid "from" date still applies; the later "to" is dropped
    else:
        assert len(rows) == AuditEntry.objects.count()


def test_a_bad_value_leaves_the_other_filters_working(moderator_client, history):
    response = moderator_client.get("/moderation/log/?action=remove&date_from=yesterday")
    assert "Please give the “from” date" in unescape(response.content.decode())
    assert [_action_of(r) for r in table_rows(response)] == ["Removed"]


def test_the_log_is_paginated_with_the_filters_kept(moderator_client, moderator):
    AuditEntry.objects.bulk_create(
        AuditEntry(action=AuditEntry.Action.PURGE, target=f"batch {i}", reason="Old spam")
        for i in range(60)
    )
    first = moderator_client.get("/moderation/log/?action=purge")
    assert len(table_rows(first)) == 50
    assert "page 1 of 2" in first.content.decode()
    assert 'href="?action=purge&amp;page=2"' in first.content.decode()
    second = moderator_client.get("/moderation/log/?action=purge&page=2")
    assert len(table_rows(second)) == 10
    assert moderator_client.get("/moderation/log/?page=zzz").status_code == 200


# CSV


def _csv(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_csv_export_has_the_filtered_rows(moderator_client, history):
    response = moderator_client.get("/moderation/log.csv?action=remove&page=3")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    rows = _csv(response)
    assert len(rows) == 1
    row = rows[0]
    assert (row["actor"], row["action"], row["reason"]) == ("otter", "Removed", REMOVE_NOTE)
    assert row["target"] == "comment #2 by Cornelius Vane on post " + str(history.removed.post_id)
    assert '"status": "removed"' in row["after"] and '"removal_reason": "personal"' in row["after"]
    everything = _csv(moderator_client.get("/moderation/log.csv"))
    assert len(everything) == AuditEntry.objects.count()


def test_the_csv_export_defuses_spreadsheet_formulas(
    moderator_client, moderator, post, add_comment
):
    notes = ['=HYPERLINK("http://evil.example")', "+1+1", "-2+3", "@SUM(A1:A9)", "plain"]
    for note in notes:
        actions.approve(add_comment(post, f"Text for {note}"), by=moderator, note=note)
    reasons = sorted(row["reason"] for row in _csv(moderator_client.get("/moderation/log.csv")))
    assert reasons == sorted(["'" + n for n in notes[:4]] + ["plain"])
    # The table shows them as they were written.
    page = unescape(moderator_client.get("/moderation/log/").content.decode())
    assert '<td>=HYPERLINK("http://evil.example")</td>' in page


# The public log


def test_the_public_log_is_not_found_when_the_site_does_not_publish_it(stranger, history):
    assert ModerationSettings.current().public_log is False
    assert stranger.get("/moderation-log/").status_code == 404


@pytest.fixture
def public_log_on(db: None) -> ModerationSettings:
    rules = ModerationSettings.current()
    rules.public_log = True
    rules.save()
    return rules


def test_the_public_log_shows_categories_and_nothing_personal(
    public_log_on, history, reader, moderator_client
):
    response = Client().get("/moderation-log/")
    assert response.status_code == 200
    assert_valid_html(response.content)
    assert "public" in response["Cache-Control"]
    page = unescape(response.content.decode())
    listing = page[page.index('<ol class="public-log">') : page.index("</ol>")]
    items = [
        " ".join(re.sub(r"<[^>]+>", "", item).split())
        for item in re.findall(r"<li>(.*?)</li>", listing, re.S)
    ]
    assert len(items) == 3, items
    assert (
        "A commenter was banned (7 days) after comment 3 on “A post about the harbor”." in items[0]
    )
    assert "Marked as spam by a moderator: comment 3 on “A post about the harbor”." in items[1]
    assert (
        "Removed by a moderator: comment 2 on “A post about the harbor” — personal information."
        in items[2]
    )
    for secret in [
        SECRET_BODY,
        "Beatrix",
        "Cornelius",
        "Dagny",
        "example.org",
        GUEST_IP,
        "192.0.2.50",
        REMOVE_NOTE,
        "Mrs Tamsin",
        BAN_NOTE,
        "Zebedee",
        REPORT_NOTE,
        "otter",
        "Otter",
        "Kowalski",
        "Automatic verdict",
        "Approved",
        "Reported",
    ]:
        assert secret not in page, secret


def test_the_public_log_leaves_out_held_comments_taken_down(public_log_on, post, moderator):
    held = _submit(post, "Never public text", "Held Person", "held@example.org")
    actions.remove(held, by=moderator, reason="abuse", note="Never shown")
    page = Client().get("/moderation-log/").content.decode()
    assert "Nothing has been removed yet." in page and "Never" not in page


def test_the_public_log_is_paginated(public_log_on, moderator):
    AuditEntry.objects.bulk_create(
        AuditEntry(action=AuditEntry.Action.BAN, actor=moderator, target=f"IP 192.0.2.{i}")
        for i in range(55)
    )
    first = Client().get("/moderation-log/").content.decode()
    assert first.count("A commenter was banned (permanently)") == 50
    assert "192.0.2." not in first
    second = Client().get("/moderation-log/?page=2").content.decode()
    assert second.count("A commenter was banned (permanently)") == 5
