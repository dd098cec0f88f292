"""Screening comments that did not come through the form: imports and `screen_comments`."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from byline.discussion.models import Comment
from byline.migration.tests.test_wordpress_import import comment_xml, item_xml, write
from byline.moderation.models import AuditEntry, Ban, Term
from byline.moderation.tests.helpers import moderation_off

pytestmark = pytest.mark.django_db


def _archive(tmp_path):
    comments = (
        comment_xml(1, body="A thoughtful note on the harbour budget.")
        + comment_xml(2, body="Buy cheap replica watches, best casino bonus")
        + comment_xml(3, body="They are parasites, the lot of them.")
    )
    return write(tmp_path, item_xml(10, comments))


def test_importing_with_moderate_holds_what_the_sites_rules_flag(tmp_path):
    moderation_off()  # thresholds off: only the word lists decide here
    Term.objects.create(term="casino", action=Term.Action.BLOCK)
    Term.objects.create(term="parasite", action=Term.Action.HOLD)
    out = io.StringIO()
    call_command(
        "import", "wordpress", str(_archive(tmp_path)), "--quiet", "--moderate", stdout=out
    )
    assert "checked 3 comments: 1 held, 1 spam" in out.getvalue()
    by_origin = {c.origin_id: c for c in Comment.objects.all()}
    assert by_origin["wp:1"].status == Comment.Status.PUBLIC
    assert by_origin["wp:2"].status == Comment.Status.SPAM
    held = by_origin["wp:3"]
    assert held.status == Comment.Status.PENDING and held.number is not None
    assert held.moderation["code"] == "held_term"
    assert held.post.public_comment_count == 1
    entry = AuditEntry.objects.get(comment=held)
    assert entry.before["status"] == "public" and entry.after["status"] == "pending"
    # Re-importing the same file leaves the moderators' state alone and screens nothing new.
    out = io.StringIO()
    call_command(
        "import", "wordpress", str(_archive(tmp_path)), "--quiet", "--moderate", stdout=out
    )
    assert "checked 0 comments" in out.getvalue()
    held.refresh_from_db()
    assert held.status == Comment.Status.PENDING


def test_without_the_flag_an_import_is_not_screened(tmp_path):
    Term.objects.create(term="casino", action=Term.Action.BLOCK)
    call_command("import", "wordpress", str(_archive(tmp_path)), "--quiet")
    assert not Comment.objects.exclude(status=Comment.Status.PUBLIC).exists()


def test_screen_comments_after_a_new_ban_with_dry_run_first(post, add_comment):
    moderation_off()
    add_comment(post, "Hello from a banned domain.", email="x@spam.example")
    add_comment(post, "Hello from elsewhere.", email="y@fine.example")
    Ban.objects.create(kind=Ban.Kind.DOMAIN, value="spam.example")
    out = io.StringIO()
    call_command("screen_comments", "--dry-run", stdout=out)
    assert "Would have checked 2 comments: 0 held, 1 spam" in out.getvalue()
    assert Comment.objects.filter(status=Comment.Status.PUBLIC).count() == 2
    call_command("screen_comments", "--post", post.slug, stdout=io.StringIO())
    assert Comment.objects.get(author_email="x@spam.example").status == Comment.Status.SPAM
    with pytest.raises(CommandError, match="no post with the slug"):
        call_command("screen_comments", "--post", "nope")
