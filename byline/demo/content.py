"""Demo content in the shape Byline is built for: a post that quotes a news report and answers
it, then a reader discussion — anonymous, the author replying, credited quotations, heat.

All names, places and the news report are invented for Byline; the quotations in comment 4 are
long in the public domain.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from byline.accounts.models import User
from byline.accounts.roles import AUTHOR, EDITOR
from byline.discussion import intake
from byline.discussion.models import Comment
from byline.discussion.services import validate_submission
from byline.moderation import actions
from byline.moderation.models import Term
from byline.publishing.models import Category, Post, Tag
from byline.publishing.services import save_post

DEMO_SLUG = "harbor-authority-offers-to-end-the-ferry-strike"

LEAD_BODY = """\
It seems the Harbor Authority, at least, has read the mediator's report.

> The Harbor Authority said on Monday it is prepared to end the three-week ferry strike, but only
> if the city council first approves a fare increase that the mediator's report rejected.
>
> "If the council changes its attitude, the Authority is ready to help get the boats running
> again," chairman Walter Pike told reporters outside the terminal. "Half of the problem on the
> water is the council's refusal to pay for it."
>
> Council members were unmoved. "The Authority's offer has the same fare hike attached that the
> mediator threw out," said council member Rosa Delgado. "An offer with strings is not an offer."

— Staff report, [The Coastal Ledger](https://example.org/ledger/ferry-strike)

Well, yes. And if wishes were ferries, we'd all be home by six.

Sadly, the council does not appear to be treating the mediator's report with the serious,
respectful deference it deserves. I'm beginning to fear the new terminal may not be finished on
schedule, either.
"""

COMMENTS: list[dict[str, str]] = [
    {"key": "anon", "name": "", "email": "reader@example.org",
     "body": "You're being awfully cynical about this!"},
    {"key": "author", "as_author": "yes", "parent": "anon",
     "body": "Guilty as charged. I suppose if we all wished hard enough, the boats would run on "
             "time."},
    {"key": "pat", "name": "pat_on_pier9", "email": "pat@example.org",
     "url": "https://example.org/~pat",
     "body": "Thanks, Margaret. Now I'll be picturing the last council meeting all week.\n\n"
             "No matter. Nothing short of firing the whole board will fix this anyway."},
    {"key": "quotes", "name": "Lena", "email": "lena@example.org",
     "body": "> Whatever is worth doing at all, is worth doing well.\n\n"
             "— Lord Chesterfield, letter to his son (1746)\n\n"
             "> It is not the critic who counts; not the man who points out how the strong man "
             "stumbles.\n\n"
             "— Theodore Roosevelt, *Citizenship in a Republic* (1910)\n\n"
             "> Well begun is half done.\n\n"
             "-Aristotle, *Politics*"},
    {"key": "agree", "name": "pat_on_pier9", "email": "pat@example.org", "parent": "quotes",
     "body": "Good on you, Lena, good on you."},
    {"key": "hostile", "name": "Dockside Dan", "email": "dan@example.org",
     "body": "Nice of the Authority to make such a generous offer. The whole board are "
             "parasites.\n\nSomebody needs to drag them out of that building... by their ears."},
]  # fmt: skip

# Arriving after the thread above, through the moderation pipeline with the site's defaults,
# so the moderation queue has something to triage: a hostile comment (held: new commenter and
# a held term), spam (a blocked term), and heated-but-civil criticism (held only as a first
# comment; approving it teaches the classifiers that this is acceptable here).
QUEUED_COMMENTS: list[dict[str, str]] = [
    {"name": "Dockside Dan", "email": "dan@example.org",
     "body": "They're parasites, the whole board. Somebody should drag them out of that "
             "building by their ears and throw them in the harbor."},
    {"name": "Best Deals", "email": "deals@example.net",
     "body": "Cheap ferry tickets and fast loans!!! Visit http://tickets.example.net today, "
             "limited offer, click now"},
    {"name": "Ines", "email": "ines@example.org",
     "body": "The council has earned every word of this. They need to be voted out...hard."},
]  # fmt: skip
DEMO_TERMS = [("parasite", Term.Action.HOLD), ("fast loans", Term.Action.BLOCK)]

OTHER_POSTS = [
    ("Open Thread", "The ferry fight has crowded everything else out. What else is going on?"),
    ("Open Thread", "Same rules as always: be kind, stay on topic, cite your sources."),
    (
        "The Terminal Budget, Line by Line",
        "## Where the money goes\n\nThe council published its terminal budget this week. "
        "Three lines stand out.\n\n1. Dredging\n2. The new ramp\n3. *Consultants*",
    ),
]


@dataclass
class DemoResult:
    created: bool
    post: Post
    author: User
    author_password: str | None


def _user(username: str, display: str, group: str) -> tuple[User, str | None]:
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, None
    password = secrets.token_urlsafe(10)
    user = User.objects.create_user(
        username, f"{username}@example.org", password, display_name=display, is_staff=True
    )
    user.groups.add(Group.objects.get(name=group))
    return user, password


@transaction.atomic
def load_demo(now: datetime | None = None) -> DemoResult:
    """Create the demo site once; a second call changes nothing."""
    now = now or timezone.now()
    existing = Post.objects.filter(slug=DEMO_SLUG).select_related("author").first()
    if existing is not None:
        return DemoResult(False, existing, existing.author, None)

    author, password = _user("margaret", "Margaret Hale", AUTHOR)
    editor, _ = _user("tom", "Tom Reyes", EDITOR)

    politics, _ = Category.objects.get_or_create(
        slug="politics", parent=None, defaults={"name": "Politics"}
    )
    local, _ = Category.objects.get_or_create(
        slug="local", parent=politics, defaults={"name": "Local"}
    )
    transport, _ = Category.objects.get_or_create(
        slug="transport", parent=None, defaults={"name": "Transport"}
    )
    tags = [
        Tag.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in [
            ("ferries", "ferries"),
            ("labor", "labor"),
            ("harbor-authority", "Harbor Authority"),
        ]
    ]

    for index, (title, body) in enumerate(OTHER_POSTS):
        older = Post(
            title=title,
            body=body,
            author=editor if index % 2 else author,
            status=Post.Status.PUBLISHED,
            published_at=now - timedelta(days=40 - index * 9),
        )
        save_post(older, by=editor, categories=[politics if index < 2 else transport])

    published = now - timedelta(hours=6)
    post = Post(
        title="Harbor Authority Offers to End the Ferry Strike",
        slug=DEMO_SLUG,
        author=author,
        excerpt="The Authority's offer comes with the one string the mediator cut.",
        body=LEAD_BODY,
        status=Post.Status.PUBLISHED,
        published_at=published,
    )
    save_post(post, by=author, categories=[local, transport], tags=tags)

    draft = Post(title="Notes for next week", body="Unfinished.", author=author)
    save_post(draft, by=author)
    scheduled = Post(
        title="What the Strike Cost",
        body="Coming tomorrow morning.",
        author=editor,
        status=Post.Status.PUBLISHED,
        published_at=now + timedelta(days=1),
    )
    save_post(scheduled, by=editor)

    made: dict[str, Comment] = {}
    for minutes, spec in enumerate(COMMENTS):
        parent = made.get(spec.get("parent", ""))
        submission = validate_submission(
            post,
            body=spec["body"],
            name=spec.get("name", ""),
            email=spec.get("email", ""),
            url=spec.get("url", ""),
            parent_id=parent.pk if parent else None,
            user=author if spec.get("as_author") else None,
        )
        # Through the same intake as a reader's comment: the pipeline judges it and the audit
        # log records the verdict. What it holds (a new guest, say), the editor approves, as
        # the site's moderator did on the page the demo copies.
        demo = intake.Origin(
            "demo",
            ip="192.0.2.10",
            rate_limit=False,
            now=published + timedelta(minutes=20 + minutes * 17),
        )
        comment = intake.receive(submission, demo)
        if comment.status != Comment.Status.PUBLIC:
            comment = actions.approve(comment, by=editor, note="Approved for the demo thread.")
        made[spec["key"]] = comment
    for term, action in DEMO_TERMS:
        Term.objects.get_or_create(term=term, action=action)
    for minutes, spec in enumerate(QUEUED_COMMENTS):
        submission = validate_submission(
            post, body=spec["body"], name=spec["name"], email=spec["email"]
        )
        demo = intake.Origin(
            "demo",
            ip=f"198.51.100.{20 + minutes}",
            rate_limit=False,
            now=now - timedelta(minutes=30 - minutes * 7),
        )
        intake.receive(submission, demo)
    return DemoResult(True, post, author, password)
