"""Shared test fixtures: the personas every request-level test speaks of.

admin (superuser), editor, author (who wrote ``post``), moderator, reader (a signed-in
commenter) and stranger (an anonymous client with no cookies).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from byline.accounts.models import User
from byline.accounts.roles import AUTHOR, EDITOR, MODERATOR
from byline.core import memo, pagecache
from byline.core.models import forget_settings_reads
from byline.discussion.models import Comment, DiscussionSettings
from byline.discussion.services import holds_all_from, post_comment, validate_submission
from byline.publishing.models import Post
from byline.publishing.services import save_post

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session", autouse=True)
def _private_shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Without Redis the shared cache is a folder under var/; give this test run its own, so
    two runs at once (SQLite and PostgreSQL) never read each other's settings or pages."""
    if "FileBasedCache" not in settings.CACHES["shared"]["BACKEND"]:
        yield
        return
    shared = {**settings.CACHES["shared"], "LOCATION": str(tmp_path_factory.mktemp("shared"))}
    with override_settings(CACHES={**settings.CACHES, "shared": shared}):
        yield


def _clear_caches() -> None:
    from byline.moderation import scoring

    scoring.forget()  # models and near-copy indexes this process built from rolled-back rows
    cache.clear()
    pagecache.clear()  # the shared cache (pages, settings) and this process's copy of pages
    memo.clear()
    forget_settings_reads()


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings: Any) -> None:
    """Hashing is not what these tests are about, and PBKDF2 makes every sign-in ~0.3 s
    (the sign-in limit tests alone make dozens). Production keeps Django's default."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _learn_inline(settings: Any) -> None:
    """Refit the classifiers right after a decision commits, not in a thread: a test's
    transaction is never committed for another thread to see."""
    settings.BYLINE_LEARN_IN_BACKGROUND = False


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    # The database is rolled back after each test; what was cached from it must go too.
    _clear_caches()
    yield
    _clear_caches()


def _person(username: str, group: str | None = None, **extra: Any) -> User:
    user = User.objects.create_user(
        username, f"{username}@example.org", PASSWORD, display_name=username.title(), **extra
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def admin_user(db: None) -> User:
    return User.objects.create_superuser("admin", "admin@example.org", PASSWORD)


@pytest.fixture
def editor(db: None) -> User:
    return _person("editor", EDITOR, is_staff=True)


@pytest.fixture
def author(db: None) -> User:
    return _person("author", AUTHOR, is_staff=True)


@pytest.fixture
def other_author(db: None) -> User:
    return _person("otherauthor", AUTHOR, is_staff=True)


@pytest.fixture
def moderator(db: None) -> User:
    return _person("moderator", MODERATOR, is_staff=True)


@pytest.fixture
def reader(db: None) -> User:
    return _person("reader")


def _client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def login() -> Callable[[User], Client]:
    """``login(user)`` → a test client signed in as ``user``."""
    return _client_for


@pytest.fixture
def reader_client(reader: User) -> Client:
    return _client_for(reader)


@pytest.fixture
def moderator_client(moderator: User) -> Client:
    return _client_for(moderator)


@pytest.fixture
def stranger() -> Client:
    return Client()


@pytest.fixture
def make_post(author: User) -> Callable[..., Post]:
    """``make_post(title=…, **fields)`` → a live post by ``author`` unless told otherwise."""

    def make(title: str = "A post about the harbor", **fields: Any) -> Post:
        by = fields.pop("by", None) or fields.get("author") or author
        fields.setdefault("author", author)
        fields.setdefault("status", Post.Status.PUBLISHED)
        fields.setdefault("published_at", timezone.now() - timedelta(hours=1))
        fields.setdefault("body", "Some commentary.")
        categories = fields.pop("categories", None)
        tags = fields.pop("tags", None)
        return save_post(Post(title=title, **fields), by=by, categories=categories, tags=tags)

    return make


@pytest.fixture
def post(make_post: Callable[..., Post]) -> Post:
    return make_post()


@pytest.fixture
def add_comment() -> Callable[..., Comment]:
    """``add_comment(post, body, parent=None, user=None, name=…, email=…)`` via the services."""

    def add(
        post: Post,
        body: str = "A comment.",
        *,
        parent: Comment | None = None,
        user: User | None = None,
        name: str = "Guest",
        email: str = "guest@example.org",
        now: Any = None,
    ) -> Comment:
        submission = validate_submission(
            post,
            body=body,
            name=name,
            email=email,
            parent_id=parent.pk if parent else None,
            user=user,
        )
        # What the site's "hold every new comment" rule decides in the pipeline, applied here
        # without the rest of the screening (tests of screening post through the intake).
        outcome = "hold" if holds_all_from(user, post.author_id) else "approve"
        return post_comment(submission, ip_address="127.0.0.1", now=now, outcome=outcome)

    return add


@pytest.fixture
def hold_comments(db: None) -> DiscussionSettings:
    rules = DiscussionSettings.current()
    rules.hold_new_comments = True
    rules.save()
    return rules
