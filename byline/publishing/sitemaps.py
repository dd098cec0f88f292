from __future__ import annotations

from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet

from byline.publishing.models import Post


class PostSitemap(Sitemap):
    changefreq = "weekly"

    def items(self) -> QuerySet[Post]:
        # Protected posts are left out: a search engine could index only their password form.
        return Post.objects.live().filter(password="").order_by("-published_at")

    def lastmod(self, item: Post) -> datetime:
        return item.updated_at
