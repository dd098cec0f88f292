"""``byline screen_comments``: check public comments against today's bans, word lists, link
limit and classifiers — e.g. after adding a held term — and hold the ones flagged."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from byline.discussion.models import Comment
from byline.moderation.screening import screen_comments
from byline.publishing.models import Post


class Command(BaseCommand):
    help = "Screen public comments with the content checks; flagged ones are held for review."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--post", help="Only the post with this slug.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be held; change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        comments = Comment.objects.filter(status=Comment.Status.PUBLIC).select_related("user")
        if options["post"]:
            post = Post.objects.filter(slug=options["post"]).first()
            if post is None:
                raise CommandError(f"There is no post with the slug “{options['post']}”.")
            comments = comments.filter(post=post)
        result = screen_comments(comments.iterator(chunk_size=2000), apply=not options["dry_run"])
        prefix = "Would have " if options["dry_run"] else ""
        self.stdout.write(f"{prefix}{result.summary()}.")
