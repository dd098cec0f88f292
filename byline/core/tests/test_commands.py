"""The operator's commands: createadmin, demo, serve's argument checks, pass-through."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from byline.accounts.models import User
from byline.discussion.models import Comment
from byline.publishing.models import Post

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_createadmin_prints_a_working_password_once():
    output = run("createadmin")
    password = re.search(r"password: (\S+)", output).group(1)
    assert authenticate(username="admin", password=password) is not None
    again = run("createadmin")
    assert "already exists" in again and password not in again
    reset = re.search(r"password: (\S+)", run("createadmin", "--reset-password")).group(1)
    assert reset != password and authenticate(username="admin", password=reset) is not None


def test_createadmin_rejects_a_bad_username():
    with pytest.raises(CommandError, match="one word"):
        run("createadmin", "--username", "two words")


def test_demo_loads_the_seed_shaped_discussion_once():
    output = run("demo")
    assert "Loaded the demo post" in output and "can sign in as: margaret /" in output
    post = Post.objects.get(slug__startswith="harbor-authority")
    comments = list(Comment.objects.filter(post=post, status="public").order_by("number"))
    assert [c.number for c in comments] == [1, 2, 3, 4, 5, 6]
    assert comments[0].display_name == "Anonymous"
    assert comments[1].is_by_post_author(post) and comments[1].parent == comments[0]
    assert comments[3].body_html.count("<figcaption>") == 3
    assert "<figure" in post.body_html and "cite=" in post.body_html
    assert "already loaded" in run("demo")
    assert Comment.objects.count() == 9  # six public, three in the moderation queue
    assert Post.objects.filter(status="draft").exists()
    assert Post.objects.exclude(pk__in=Post.objects.live()).count() == 2  # a draft, a scheduled


def test_serve_validates_its_arguments():
    with pytest.raises(CommandError, match="--port must be between"):
        run("serve", "--port", "0", "--no-migrate")
    with pytest.raises(CommandError, match="at least 1"):
        run("serve", "--workers", "0", "--no-migrate")


def test_roles_exist_after_migrate():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {"Editors", "Authors", "Moderators"}
    author = User.objects.create_user("a", password="x")
    author.groups.add(Group.objects.get(name="Authors"))
    author = User.objects.get(pk=author.pk)
    assert author.has_perm("publishing.publish_post")
    assert not author.has_perm("publishing.edit_others_posts")
    assert not author.has_perm("discussion.moderate_comments")


def test_pagecache_clear_forgets_every_page_and_only_those(post, stranger, settings):
    from django.core.cache import caches

    url = post.get_absolute_url()
    for _ in range(3):
        stranger.get(url)
    assert stranger.get(url)["X-Byline-Cache"] == "hit"
    caches["default"].set("not-a-page", 1)
    assert "Forgot every cached page" in run("pagecache", "clear")
    assert stranger.get(url)["X-Byline-Cache"] == "miss"
    assert caches["default"].get("not-a-page") == 1
    with pytest.raises(CommandError):
        call_command("pagecache", "drop")
