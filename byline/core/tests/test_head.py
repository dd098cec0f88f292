"""HEAD is answered wherever GET is: monitors, link checkers and caches send it to every page."""

from __future__ import annotations

import pytest
from django.test.utils import override_settings

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page_cache", [True, False])
def test_every_readable_page_answers_head_as_it_answers_get(
    stranger, moderator_client, post, add_comment, page_cache
):
    comment = add_comment(post, "Worth reporting?")
    public = [
        "/", f"/{post.published_at:%Y}/", post.get_absolute_url(), "/feed/", "/sitemap.xml",
        "/accounts/login/", "/accounts/signup/", "/session/csrf/",
        f"/comments/{comment.pk}/report/", f"/author/{post.author.username}/",
    ]  # fmt: skip
    moderators = ["/moderation/", "/moderation/log/", "/moderation/classifiers/"]
    with override_settings(BYLINE_PAGE_CACHE=page_cache):
        for client, paths in ((stranger, public), (moderator_client, moderators)):
            for path in paths:
                got = client.get(path)
                head = client.head(path)
                assert got.status_code == 200, path
                assert head.status_code == 200, f"HEAD {path}: {head.status_code}"
                assert head.content == b"", path
