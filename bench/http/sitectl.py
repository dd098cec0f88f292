"""Helper of ``bench/http/run.py`` that runs inside the benched Byline (its venv, its settings).

It is started with ``<byline-dir>/.venv/bin/python bench/http/sitectl.py …`` in the same
environment as the server, so everything it reads or makes comes from Byline's and Django's own
code:

``info``
    prints JSON: every post (slug, id, URL, public comments, top-level public comments) and
    the site's ``comments_per_page``.

``reset OUT N GENERATION``
    before each warm-up and repetition of the comment POST: prints JSON tallying what the
    previous run stored on ``bench-post`` (comments by status and verdict code), then empties
    that thread (its comments and their audit entries), resets the post's counters, deletes all
    sessions (guests' sessions made by the POSTs; this bench site has no others), and writes
    ``N`` single-use guest credentials to ``OUT``, one a line, tab-separated:

    * the CSRF cookie secret and the masked form token for it
      (``django.middleware.csrf.get_token``), what byline.js gets from ``/session/csrf/``;
    * a signed form stamp dated 30 s back (``byline.moderation.pipeline.form_stamp``): the reader
      spent 30 s typing, past the minimum time;
    * an address in the documentation range 2001:db8::/32, each in its own /64 (what Byline's
      per-IP limit counts): ``2001:db8:GENERATION:i::1``, so no two requests of one bench run share
      a rate-limit bucket;
    * a distinct e-mail local part ``gGENERATION-i``.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

MAX_CREDENTIALS = 0x10000  # one /64 per line under 2001:db8:GENERATION::/48


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "byline.settings")
    import django

    django.setup()


def info() -> dict[str, Any]:
    """The posts and the discussion setting, as the server will see them."""
    from byline.discussion.models import Comment, DiscussionSettings
    from byline.publishing.models import Post

    posts = []
    for post in Post.objects.order_by("-published_at"):
        public = Comment.objects.filter(post=post, status=Comment.Status.PUBLIC)
        posts.append(
            {
                "slug": post.slug,
                "id": post.pk,
                "url": post.get_absolute_url(),
                "public_comments": public.count(),
                "top_level": public.filter(parent__isnull=True).count(),
                "last_number": post.last_comment_number,
            }
        )
    return {
        "posts": posts,
        "comments_per_page": DiscussionSettings.current().comments_per_page,
    }


def reset(out: Path, n: int, generation: int) -> dict[str, Any]:
    """Tally and empty bench-post, then write ``n`` fresh credentials to ``out``."""
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.http import HttpRequest
    from django.middleware.csrf import get_token
    from django.utils import timezone

    from byline.discussion.models import Comment
    from byline.moderation.models import AuditEntry
    from byline.moderation.pipeline import form_stamp
    from byline.publishing.models import Post

    if not 0 < n <= MAX_CREDENTIALS or not 0 <= generation < 0x10000:
        raise SystemExit(f"N must be 1..{MAX_CREDENTIALS} and GENERATION 0..65535")
    post = Post.objects.get(slug="bench-post")
    comments = Comment.objects.filter(post=post)
    tally = Counter(
        f"{row['status']}/{(row['moderation'] or {}).get('code', '?')}"
        for row in comments.values("status", "moderation")
    )
    with transaction.atomic():
        AuditEntry.objects.filter(comment__post=post).delete()
        # Deepest first: a reply's parent is protected while the reply exists.
        for depth in sorted(set(comments.values_list("depth", flat=True)), reverse=True):
            comments.filter(depth=depth).delete()
        Post.objects.filter(pk=post.pk).update(last_comment_number=0, public_comment_count=0)
        sessions = Session.objects.all().delete()[0]

    shown_at = timezone.now() - timedelta(seconds=30)
    tmp = out.with_name(out.name + ".tmp")
    with tmp.open("w") as f:
        for i in range(n):
            request = HttpRequest()
            token = get_token(request)  # the masked form token; the cookie secret is in META
            secret = request.META["CSRF_COOKIE"]
            stamp = form_stamp(shown_at)
            ip = f"2001:db8:{generation:x}:{i:x}::1"
            f.write(f"{secret}\t{token}\t{stamp}\t{ip}\tg{generation}-{i}\n")
    tmp.replace(out)
    return {
        "stored": sum(tally.values()),
        "by_status_code": dict(sorted(tally.items())),
        "sessions_deleted": sessions,
        "post_id": post.pk,
        "credentials": n,
    }


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in {"info", "reset"}:
        raise SystemExit("usage: sitectl.py info | reset OUT N GENERATION")
    _setup()
    if argv[0] == "reset":
        json.dump(reset(Path(argv[1]), int(argv[2]), int(argv[3])), sys.stdout)
    else:
        json.dump(info(), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
