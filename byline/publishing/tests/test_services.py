"""Post services: revisions, slugs, scheduling and who may do what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from byline.publishing.models import Post, PostRevision, SlugRedirect
from byline.publishing.services import publish_post, restore_revision, save_post, unique_slug

pytestmark = pytest.mark.django_db


def test_every_save_keeps_a_revision(author):
    post = save_post(Post(title="Draft", body="one"), by=author)
    post.body = "two"
    save_post(post, by=author)
    assert list(post.revisions.order_by("id").values_list("body", flat=True)) == ["one", "two"]
    assert post.revisions.first().saved_by == author


def test_restoring_a_revision_is_itself_a_revision(author):
    post = save_post(Post(title="T", body="first"), by=author)
    old = post.revisions.get()
    post.body = "second"
    save_post(post, by=author)
    restore_revision(old, by=author)
    post.refresh_from_db()
    assert post.body == "first"
    assert PostRevision.objects.filter(post=post).count() == 3


def test_body_is_rendered_and_sanitised_at_save(author):
    post = save_post(Post(title="T", body="**bold** <script>x()</script>"), by=author)
    assert "<strong>bold</strong>" in post.body_html
    assert "<script" not in post.body_html


def test_slugs_are_unique_so_same_titles_never_collide(author):
    one = save_post(Post(title="Open Thread", body="."), by=author)
    two = save_post(Post(title="Open Thread", body="."), by=author)
    assert (one.slug, two.slug) == ("open-thread", "open-thread-2")
    assert unique_slug("Open Thread") == "open-thread-3"


def test_changing_a_published_slug_keeps_the_old_one(post, author):
    old = post.slug
    post.slug = "a-better-name"
    save_post(post, by=author)
    assert SlugRedirect.objects.get(old_slug=old).post == post


def test_draft_slug_changes_leave_no_redirects(author):
    draft = save_post(Post(title="Draft", body="."), by=author)
    draft.slug = "renamed"
    save_post(draft, by=author)
    assert not SlugRedirect.objects.exists()


def test_reclaiming_an_old_slug_drops_its_redirect(post, author):
    old = post.slug
    post.slug = "new"
    save_post(post, by=author)
    post.slug = old
    save_post(post, by=author)
    assert list(SlugRedirect.objects.values_list("old_slug", flat=True)) == ["new"]


def test_publishing_without_a_date_means_now(author):
    post = publish_post(save_post(Post(title="T", body="."), by=author), by=author)
    assert post.is_live
    assert timezone.now() - post.published_at < timedelta(seconds=5)


def test_a_future_date_schedules(author):
    later = timezone.now() + timedelta(days=1)
    post = publish_post(save_post(Post(title="T", body="."), by=author), by=author, at=later)
    assert post.is_scheduled and not post.is_live
    assert post.state_label == "Scheduled"
    assert not Post.objects.live().filter(pk=post.pk).exists()
    assert Post.objects.live(now=later + timedelta(seconds=1)).filter(pk=post.pk).exists()


def test_authors_cannot_edit_others_posts_but_editors_can(post, other_author, editor):
    post.body = "changed"
    with pytest.raises(PermissionDenied):
        save_post(post, by=other_author)
    save_post(post, by=editor)
    assert post.revisions.first().saved_by == editor


def test_only_editors_reassign_posts(post, author, other_author, editor):
    post.author = other_author
    with pytest.raises(PermissionDenied):
        save_post(post, by=author)
    save_post(post, by=editor)
    post.refresh_from_db()
    assert post.author == other_author


def test_readers_cannot_publish(reader):
    with pytest.raises(PermissionDenied):
        save_post(Post(title="T", body=".", status=Post.Status.PUBLISHED), by=reader)


def test_a_post_needs_a_title(author):
    with pytest.raises(ValidationError):
        save_post(Post(title="  ", body="."), by=author)
