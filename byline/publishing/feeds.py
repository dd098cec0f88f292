"""RSS feed of the newest posts (Django's syndication framework)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet

from byline.publishing.models import Post


class LatestPosts(Feed):
    link = "/"
    description_template = None

    def title(self) -> str:
        return settings.BYLINE_SITE_NAME

    def description(self) -> str:
        return f"Latest posts from {settings.BYLINE_SITE_NAME}"

    def items(self) -> QuerySet[Post]:
        return (
            Post.objects.live()
            .articles()
            .filter(password="")  # protected posts stay out of feeds, as in WordPress
            .select_related("author")
            .order_by("-published_at")[:20]
        )

    def item_title(self, item: Post) -> str:
        return item.title

    def item_description(self, item: Post) -> str:
        return item.body_html

    def item_author_name(self, item: Post) -> str:
        return item.author.public_name

    def item_pubdate(self, item: Post) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: Post) -> datetime:
        return item.updated_at
