"""A commenter's name cannot rewrite the text around it (right-to-left override and friends)."""

from __future__ import annotations

import re
from pathlib import Path

import html5lib
import pytest

from byline.core import bidi
from byline.discussion.models import Comment
from byline.discussion.services import validate_submission
from byline.moderation.models import AuditEntry

RLO = "\u202e"
SPOOF = f"Mallory{RLO}rotaredom"  # shows as "Mallorymoderator" and reverses what follows

# Expressions that print a person's name: the attribute at the end of the variable.
_NAME_ATTRS = {"display_name", "public_name", "username", "author_name", "actor", "reporter"}
_VARIABLE = re.compile(r"\{\{\s*([\w.]+)\s*([^}]*)\}\}")


def _templates() -> list[Path]:
    root = Path(__file__).resolve().parents[2] / "templates"
    found = sorted(root.rglob("*.html"))
    assert len(found) > 20, f"expected Byline's templates under {root}"
    return found


def _in_a_tag(source: str, position: int) -> bool:
    """Is ``position`` inside a start tag (an attribute value), not in the page's text?"""
    return source.rfind("<", 0, position) > source.rfind(">", 0, position)


def test_every_name_a_template_prints_is_isolated():
    unisolated, seen = [], 0
    for template in _templates():
        source = template.read_text()
        loop_names = bool(re.search(r"{%\s*for\s+name\s+in\s+[\w.]*names\s*%}", source))
        for match in _VARIABLE.finditer(source):
            variable, filters = match.group(1), match.group(2)
            last = variable.rsplit(".", 1)[-1]
            is_name = last in _NAME_ATTRS or (last == "name" and variable == "name" and loop_names)
            if not is_name or _in_a_tag(source, match.start()):
                continue
            seen += 1
            if "isolate" not in filters:
                line = source.count("\n", 0, match.start()) + 1
                unisolated.append(f"{template.name}:{line}: {match.group(0)}")
    assert seen >= 12, "the scan found too few names: has the template syntax changed?"
    assert not unisolated, "names printed without |isolate (load byline_text):\n" + "\n".join(
        unisolated
    )


def _text_outside_bdi(page: bytes, needle: str) -> list[str]:
    """Text nodes holding ``needle`` with no <bdi> around them (attributes are not text)."""
    tree = html5lib.parse(page, namespaceHTMLElements=False)
    parents = {child: parent for parent in tree.iter() for child in parent}
    bare = []
    for element in tree.iter():
        for text, owner in ((element.text, element), (element.tail, parents.get(element))):
            if not text or needle not in text or owner is None:
                continue
            node = owner
            while node is not None and node.tag != "bdi":
                node = parents.get(node)
            if node is None:
                bare.append(f"<{owner.tag}>: {text!r}")
    return bare


@pytest.fixture
def spoofed(post, add_comment) -> Comment:
    """A comment whose stored name holds an override, as an old archive may bring."""
    comment = add_comment(post, "I agree with the harbor board.", name="Placeholder")
    Comment.objects.filter(pk=comment.pk).update(author_name=SPOOF, status="pending")
    comment.refresh_from_db()
    return comment


def test_the_thread_and_the_queue_show_the_name_isolated(
    spoofed, add_comment, stranger, moderator_client
):
    add_comment(spoofed.post, "A reply.", name="Replier")
    Comment.objects.filter(pk=spoofed.pk).update(status="public")
    thread = stranger.get(spoofed.post.get_absolute_url())
    assert SPOOF in thread.content.decode()
    assert _text_outside_bdi(thread.content, RLO) == []
    Comment.objects.filter(pk=spoofed.pk).update(status="pending")
    queue = moderator_client.get("/moderation/")
    assert SPOOF in queue.content.decode()
    assert _text_outside_bdi(queue.content, RLO) == []


def test_an_author_page_heading_and_title_isolate_the_name(stranger, make_post, author):
    author.display_name = f"Ann{RLO}eb"
    author.save()
    make_post("On the ferry", by=author)
    page = stranger.get(f"/author/{author.username}/").content.decode()
    assert f"Posts by {bidi.FSI}Anneb{bidi.PDI}" in page  # its own override removed, isolated
    assert RLO not in page.split("<main", 1)[0]  # not in <title>


def test_plain_text_names_are_isolated_too(spoofed, moderator):
    assert f"{bidi.FSI}Malloryrotaredom{bidi.PDI}" in str(spoofed)
    moderator.username = f"mod{RLO}x"
    entry = AuditEntry(actor=moderator, action=AuditEntry.Action.APPROVE)
    assert RLO not in str(entry) and bidi.PDI in str(entry)


def test_new_names_may_not_carry_direction_controls(post):
    with pytest.raises(Exception) as refused:
        validate_submission(post, body="Hello", name=SPOOF, email="m@example.org")
    assert "change the direction" in str(refused.value)
    ok = validate_submission(post, body="Hello", name="نادية", email="n@example.org")
    assert ok.name == "نادية"  # right-to-left names are welcome; overrides are not


@pytest.mark.django_db
def test_signup_refuses_an_override_in_the_display_name(stranger):
    response = stranger.post(
        "/accounts/signup/",
        {
            "username": "mallory",
            "email": "mallory@example.org",
            "display_name": SPOOF,
            "password1": "a long harbor passphrase 91",
            "password2": "a long harbor passphrase 91",
        },
    )
    assert response.status_code == 400
    assert "change the direction" in response.content.decode()
