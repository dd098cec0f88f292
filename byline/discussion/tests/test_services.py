"""Comment services: numbering, threading depth, holding, editing, removal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from byline.discussion.models import Comment, DiscussionSettings
from byline.discussion.services import (
    approve_comment,
    can_edit_comment,
    edit_comment,
    remove_comment,
    validate_submission,
)

pytestmark = pytest.mark.django_db


def test_public_comments_are_numbered_in_order(post, add_comment):
    numbers = [add_comment(post, f"comment {i}").number for i in range(3)]
    assert numbers == [1, 2, 3]
    post.refresh_from_db()
    assert post.last_comment_number == 3
    assert post.public_comment_count == 3


def test_numbers_are_per_post(make_post, add_comment):
    one, two = make_post("One"), make_post("Two")
    add_comment(one)
    assert add_comment(two).number == 1


def test_removing_a_comment_never_renumbers_or_reuses(post, add_comment, moderator):
    first, second = add_comment(post, "a"), add_comment(post, "b")
    remove_comment(first, by=moderator)
    third = add_comment(post, "c")
    second.refresh_from_db()
    assert (second.number, third.number) == (2, 3)
    post.refresh_from_db()
    assert post.public_comment_count == 2


def test_held_comments_get_a_number_only_when_approved(post, add_comment, moderator, hold_comments):
    held = add_comment(post, "wait for me")
    public = add_comment(post, "also held")
    assert held.status == Comment.Status.PENDING and held.number is None
    approve_comment(public, by=moderator)
    approve_comment(held, by=moderator)
    held.refresh_from_db()
    public.refresh_from_db()
    assert (public.number, held.number) == (1, 2)


def test_reapproving_a_removed_comment_keeps_its_number(post, add_comment, moderator):
    comment = add_comment(post)
    remove_comment(comment, by=moderator)
    approve_comment(comment, by=moderator)
    comment.refresh_from_db()
    assert comment.number == 1 and comment.status == Comment.Status.PUBLIC
    post.refresh_from_db()
    assert (post.public_comment_count, post.last_comment_number) == (1, 1)


def test_only_moderators_approve_or_remove(post, add_comment, reader, author, hold_comments):
    comment = add_comment(post)
    with pytest.raises(PermissionDenied):
        approve_comment(comment, by=reader)
    with pytest.raises(PermissionDenied):
        remove_comment(comment, by=author)


def test_post_author_and_moderators_skip_the_hold(
    post, add_comment, author, moderator, hold_comments
):
    assert add_comment(post, user=author).status == Comment.Status.PUBLIC
    assert add_comment(post, user=moderator).status == Comment.Status.PUBLIC
    assert add_comment(post, name="guest").status == Comment.Status.PENDING


def test_replies_nest_and_paths_sort_in_display_order(post, add_comment):
    a = add_comment(post, "a")
    b = add_comment(post, "b")
    a1 = add_comment(post, "a1", parent=a)
    a1x = add_comment(post, "a1x", parent=a1)
    a2 = add_comment(post, "a2", parent=a)
    ordered = list(Comment.objects.filter(post=post).order_by("path").values_list("pk", flat=True))
    assert ordered == [a.pk, a1.pk, a1x.pk, a2.pk, b.pk]
    assert [c.depth for c in (a, a1, a1x)] == [0, 1, 2]


def test_a_reply_past_the_max_depth_attaches_at_the_deepest_level(post, add_comment):
    rules = DiscussionSettings.current()
    rules.max_depth = 3
    rules.save()
    top = add_comment(post, "0")
    mid = add_comment(post, "1", parent=top)
    deepest = add_comment(post, "2", parent=mid)
    too_deep = add_comment(post, "3", parent=deepest)
    assert deepest.depth == 2
    assert too_deep.depth == 2
    assert too_deep.parent_id == mid.pk
    assert too_deep.in_reply_to_id == deepest.pk


def test_default_max_depth_is_five(post, add_comment):
    parent = None
    for _ in range(7):
        parent = add_comment(post, "deeper", parent=parent)
    assert parent is not None and parent.depth == 4


def test_signed_in_comment_ignores_typed_name(post, reader):
    submission = validate_submission(post, body="hi", name="Someone Else", user=reader)
    assert submission.user == reader and submission.name == ""


def test_blank_name_shows_as_anonymous(post, add_comment):
    assert add_comment(post, name="   ").display_name == "Anonymous"


def test_author_marking_needs_the_account_not_the_name(post, add_comment, author):
    impostor = add_comment(post, name=author.public_name, email=author.email)
    real = add_comment(post, user=author)
    assert not impostor.is_by_post_author(post)
    assert real.is_by_post_author(post)


def test_guest_can_edit_own_comment_within_the_window(post, add_comment):
    comment = add_comment(post, "tpyo")
    edit_comment(comment, "typo", user=None, owned_ids={comment.pk})
    comment.refresh_from_db()
    assert comment.body == "typo" and "<p>typo</p>" in comment.body_html
    assert comment.edited_at is not None


def test_nobody_else_can_edit_and_the_window_closes(post, add_comment, reader):
    comment = add_comment(post, "mine")
    assert not can_edit_comment(comment, user=None, owned_ids=set())
    assert not can_edit_comment(comment, user=reader)
    later = timezone.now() + timedelta(minutes=11)
    assert not can_edit_comment(comment, user=None, owned_ids={comment.pk}, now=later)
    with pytest.raises(PermissionDenied):
        edit_comment(comment, "changed", user=None, owned_ids={comment.pk}, now=later)


def test_signed_in_author_edits_by_account(post, add_comment, reader, author):
    comment = add_comment(post, "mine", user=reader)
    assert can_edit_comment(comment, user=reader)
    assert not can_edit_comment(comment, user=author)


def test_edit_window_is_configurable(post, add_comment):
    rules = DiscussionSettings.current()
    rules.edit_window_minutes = 0
    rules.save()
    comment = add_comment(post)
    assert not can_edit_comment(comment, user=None, owned_ids={comment.pk})


def test_editing_keeps_the_length_limit(post, add_comment):
    comment = add_comment(post)
    with pytest.raises(ValidationError) as info:
        edit_comment(comment, "x" * 10_001, user=None, owned_ids={comment.pk})
    assert "limit is 10,000" in str(info.value)
    comment.refresh_from_db()
    assert comment.body == "A comment."


def test_line_breaks_count_as_one_character_like_in_the_textarea(post):
    body = ("x" * 99 + "\r\n") * 100  # 10,000 characters as the reader typed them
    submission = validate_submission(post, body=body, name="n", email="n@example.org")
    assert "\r" not in submission.body and len(submission.body) == 10_000
