"""``byline demo``: load the demo post, its discussion and a few more posts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from byline.demo.content import load_demo
from byline.moderation import learning


class Command(BaseCommand):
    help = "Load demo content (once; running it again changes nothing)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_demo()
        # The demo's approvals are moderator decisions the classifiers learn from; let that
        # refit finish before the command exits, so the site starts with it.
        learning.wait()
        if not result.created:
            self.stdout.write(f"Demo content is already loaded: {result.post.get_absolute_url()}")
            return
        self.stdout.write(
            self.style.SUCCESS(f"Loaded the demo post: {result.post.get_absolute_url()}")
        )
        if result.author_password:
            self.stdout.write(
                f"  The post's author can sign in as: {result.author.username} / "
                f"{result.author_password}"
            )
