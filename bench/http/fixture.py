"""The HTTP bench's site, as a WordPress WXR 1.2 export that ``byline import wordpress`` takes.

Deterministic: the same ``--seed`` (and ``--huge``) gives the same bytes. Every post draws its
text from its own random stream (seeded by the seed and its slug), so adding the huge post does
not change any other post.

Content (all published by one author, ``admin``; commenters are guests):

* ten posts on the front page (newest first): ``post-6`` (6 comments), ``post-500``
  (500 comments), ``post-10000`` (10,000 comments) and seven ``post-filler-N`` with none;
* ``bench-post``, older and empty: the comment-POST target;
* with ``--huge``, ``post-100000`` (100,000 comments), older still, so the front page is the
  same with or without it.

Posts are 6-9 paragraphs of sentence-shaped text (about 700 words), sometimes with a quoted
passage. Comments come from a pool of 120 commenters (~30 % give a website), are 1-3 paragraphs,
and about 20 % are replies to one of the last 40 comments (nesting up to depth 4 in the file;
Byline caps it at its own limit). Every comment is approved and dated after its post, in order.

Use from the command line or as a module (:func:`write_wxr`)::

    .venv/bin/python bench/http/fixture.py /tmp/site.wxr [--huge] [--seed 20260601]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from pathlib import Path
from typing import TextIO

SITE = "http://old.example.invalid"
DEFAULT_SEED = 20260601
REPLY_SHARE = 0.20
REPLY_WINDOW = 40  # a reply answers one of the last 40 comments
MAX_FILE_DEPTH = 4  # 0-based depth of the deepest reply written to the file

FIRST = [
    "Ada", "Ben", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi",
    "Luis", "Mara", "Noor", "Oskar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Viktor",
    "Wen", "Yusuf",
]  # fmt: skip
LAST = ["Adler", "Bauer", "Costa", "Dubois", "Eriksen"]

SUBJECTS = [
    "the council", "the harbour board", "our neighbours", "the ferry operator", "the new budget",
    "the planning office", "the mayor", "most readers", "the local paper", "the fishing co-op",
    "the school board", "the regional authority", "this proposal", "the old pier", "the committee",
    "the survey", "every household on the hill", "the library trustees", "the auditors",
    "the bus company", "the tourism office", "the residents' association", "the engineers",
]  # fmt: skip
VERBS = [
    "has argued", "keeps insisting", "seems to forget", "finally admitted", "never explained",
    "quietly decided", "promised last spring", "will have to show", "did not mention",
    "wrote in its report", "clearly believes", "has asked again", "pointed out", "estimated",
    "refused to say", "could easily prove", "tried to argue", "accepted at the meeting",
]  # fmt: skip
OBJECTS = [
    "that the repairs can wait another year", "why the fares went up twice",
    "that nobody asked the people who actually use the road", "how much the dredging will cost",
    "that the numbers in the appendix do not add up", "where the grant money went",
    "that the timetable was written for tourists", "what happens when the storm season starts",
    "that the consultation closed before anyone saw the plans", "who is paying for the audit",
    "that the old building can still be saved", "how many families will have to move",
    "that the levy is temporary", "why the minutes were published so late",
    "that the survey missed half the village", "what the engineers said about the sea wall",
    "that the market will reopen in June", "how the new zoning rules affect the harbour",
]  # fmt: skip
OPENERS = [
    "Honestly,", "To be fair,", "As far as I can tell,", "In my experience,", "Then again,",
    "For what it is worth,", "Looking back,", "Still,", "Put simply,", "Meanwhile,", "",
    "", "", "",
]  # fmt: skip
REMARKS = [
    "That is the part I keep coming back to.", "I would like to see the figures first.",
    "We have heard this before.", "It is not as simple as the headline makes it sound.",
    "Nobody disputes that.", "The details matter here.", "I think that is the real story.",
    "Several of us raised it at the last meeting.", "That deserves a longer answer.",
    "It would be good to have that in writing.", "I am not convinced, but I am listening.",
    "Thanks for spelling it out.", "The comparison with last winter is telling.",
]  # fmt: skip
TITLE_WORDS = [
    "harbour", "budget", "ferry", "council", "winter", "timetable", "market", "survey", "bridge",
    "levy", "storm", "library", "audit", "school", "pier", "zoning", "tide", "road", "vote",
]  # fmt: skip


@dataclass(frozen=True)
class PostSpec:
    """One post of the fixture."""

    slug: str
    title: str
    date: datetime
    comments: int
    spacing: timedelta  # between consecutive comments


def posts(huge: bool = False) -> list[PostSpec]:
    """The fixture's posts, oldest last (front page order)."""
    day = datetime(2024, 5, 20, 9, 0, 0)
    front = [
        ("post-6", "A short discussion", 6),
        ("post-500", "A long discussion", 500),
        ("post-10000", "A very long discussion", 10_000),
        *[(f"post-filler-{i}", "", 0) for i in range(1, 8)],
    ]
    specs = [
        PostSpec(
            slug, title, day - timedelta(days=i), n, timedelta(seconds=600 if n <= 500 else 60)
        )
        for i, (slug, title, n) in enumerate(front)
    ]
    specs.append(PostSpec("bench-post", "Bench post", datetime(2024, 1, 1, 9), 0, timedelta(0)))
    if huge:
        specs.append(
            PostSpec(
                "post-100000",
                "An enormous discussion",
                datetime(2023, 12, 1, 9),
                100_000,
                timedelta(seconds=6),
            )
        )
    return specs


def commenters() -> list[tuple[str, str, str]]:
    """120 commenters: (name, email, website or "")."""
    people = []
    rng = random.Random("commenters")
    for last in LAST:
        for first in FIRST:
            site = (
                f"https://{first.lower()}-{last.lower()}.example.invalid/"
                if rng.random() < 0.3
                else ""
            )
            people.append(
                (f"{first} {last}", f"{first.lower()}.{last.lower()}@example.invalid", site)
            )
    return people


class Text:
    """Sentence-shaped prose from one random stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def sentence(self) -> str:
        rng = self.rng
        if rng.random() < 0.15:
            return rng.choice(REMARKS)
        opener = rng.choice(OPENERS)
        subject = rng.choice(SUBJECTS)
        text = f"{subject} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
        if rng.random() < 0.25:
            text += f", and {rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
        text = f"{opener} {text}" if opener else text[0].upper() + text[1:]
        return text + rng.choice([".", ".", ".", ".", "?", "!"])

    def paragraph(self, lo: int, hi: int) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(lo, hi)))

    def post_body(self) -> str:
        rng = self.rng
        blocks = [escape(self.paragraph(4, 8), quote=False) for _ in range(rng.randint(6, 9))]
        if rng.random() < 0.5:
            quoted = escape(self.paragraph(2, 3), quote=False)
            blocks.insert(rng.randrange(1, len(blocks)), f"<blockquote>{quoted}</blockquote>")
        return "\n\n".join(blocks)

    def comment_body(self) -> str:
        rng = self.rng
        blocks = [escape(self.paragraph(1, 4), quote=False) for _ in range(rng.randint(1, 3))]
        roll = rng.random()
        if roll < 0.05:
            blocks.insert(0, f"<blockquote>{escape(self.sentence(), quote=False)}</blockquote>")
        elif roll < 0.08:
            n = rng.randrange(1000)
            blocks[-1] += f' See <a href="https://example.org/report/{n}">the report</a>.'
        return "\n\n".join(blocks)


def cdata(text: str) -> str:
    """CDATA that survives ``]]>`` in the text."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _header() -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        '<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
        "\t<title>Byline HTTP bench</title>\n"
        f"\t<link>{SITE}</link>\n"
        "\t<description>HTTP bench fixture</description>\n"
        "\t<language>en-US</language>\n"
        "\t<wp:wxr_version>1.2</wp:wxr_version>\n"
        f"\t<wp:base_site_url>{SITE}</wp:base_site_url>\n"
        f"\t<wp:base_blog_url>{SITE}</wp:base_blog_url>\n"
        "\t<wp:author><wp:author_id>1</wp:author_id>"
        "<wp:author_login><![CDATA[admin]]></wp:author_login>"
        "<wp:author_email><![CDATA[admin@example.invalid]]></wp:author_email>"
        "<wp:author_display_name><![CDATA[Harbour Desk]]></wp:author_display_name>"
        "<wp:author_first_name><![CDATA[]]></wp:author_first_name>"
        "<wp:author_last_name><![CDATA[]]></wp:author_last_name></wp:author>\n"
    )


def _item(spec: PostSpec, post_id: int, first_comment_id: int, seed: int) -> Iterator[str]:
    rng = random.Random(f"{seed}:{spec.slug}")
    text = Text(rng)
    title = spec.title or " ".join(rng.choice(TITLE_WORDS) for _ in range(3)).capitalize()
    date = spec.date.strftime("%Y-%m-%d %H:%M:%S")
    yield (
        "\t<item>\n"
        f"\t\t<title>{cdata(title)}</title>\n"
        f"\t\t<link>{SITE}/{spec.slug}/</link>\n"
        f"\t\t<pubDate>{spec.date:%a, %d %b %Y %H:%M:%S} +0000</pubDate>\n"
        "\t\t<dc:creator><![CDATA[admin]]></dc:creator>\n"
        f'\t\t<guid isPermaLink="false">{SITE}/?p={post_id}</guid>\n'
        "\t\t<description></description>\n"
        f"\t\t<content:encoded>{cdata(text.post_body())}</content:encoded>\n"
        "\t\t<excerpt:encoded><![CDATA[]]></excerpt:encoded>\n"
        f"\t\t<wp:post_id>{post_id}</wp:post_id>\n"
        f"\t\t<wp:post_date>{cdata(date)}</wp:post_date>\n"
        f"\t\t<wp:post_date_gmt>{cdata(date)}</wp:post_date_gmt>\n"
        "\t\t<wp:comment_status><![CDATA[open]]></wp:comment_status>\n"
        "\t\t<wp:ping_status><![CDATA[closed]]></wp:ping_status>\n"
        f"\t\t<wp:post_name>{cdata(spec.slug)}</wp:post_name>\n"
        "\t\t<wp:status><![CDATA[publish]]></wp:status>\n"
        "\t\t<wp:post_parent>0</wp:post_parent>\n"
        "\t\t<wp:menu_order>0</wp:menu_order>\n"
        "\t\t<wp:post_type><![CDATA[post]]></wp:post_type>\n"
        "\t\t<wp:post_password><![CDATA[]]></wp:post_password>\n"
        "\t\t<wp:is_sticky>0</wp:is_sticky>\n"
    )
    people = commenters()
    depth: list[int] = []
    for i in range(spec.comments):
        cid = first_comment_id + i
        parent = 0
        depth.append(0)
        if i and rng.random() < REPLY_SHARE:
            j = rng.randrange(max(0, i - REPLY_WINDOW), i)
            if depth[j] < MAX_FILE_DEPTH:
                parent, depth[i] = first_comment_id + j, depth[j] + 1
        name, email, website = people[rng.randrange(len(people))]
        when = (spec.date + spec.spacing * (i + 1)).strftime("%Y-%m-%d %H:%M:%S")
        ip = f"192.0.2.{i % 250 + 1}"  # documentation range
        yield (
            "\t\t<wp:comment>\n"
            f"\t\t\t<wp:comment_id>{cid}</wp:comment_id>\n"
            f"\t\t\t<wp:comment_author>{cdata(name)}</wp:comment_author>\n"
            f"\t\t\t<wp:comment_author_email>{cdata(email)}</wp:comment_author_email>\n"
            f"\t\t\t<wp:comment_author_url>{escape(website)}</wp:comment_author_url>\n"
            f"\t\t\t<wp:comment_author_IP>{cdata(ip)}</wp:comment_author_IP>\n"
            f"\t\t\t<wp:comment_date>{cdata(when)}</wp:comment_date>\n"
            f"\t\t\t<wp:comment_date_gmt>{cdata(when)}</wp:comment_date_gmt>\n"
            f"\t\t\t<wp:comment_content>{cdata(text.comment_body())}</wp:comment_content>\n"
            "\t\t\t<wp:comment_approved><![CDATA[1]]></wp:comment_approved>\n"
            "\t\t\t<wp:comment_type><![CDATA[comment]]></wp:comment_type>\n"
            f"\t\t\t<wp:comment_parent>{parent}</wp:comment_parent>\n"
            "\t\t\t<wp:comment_user_id>0</wp:comment_user_id>\n"
            "\t\t</wp:comment>\n"
        )
    yield "\t</item>\n"


def write(out: TextIO, *, huge: bool = False, seed: int = DEFAULT_SEED) -> dict[str, int]:
    """Write the fixture to ``out``; returns {slug: comment count}."""
    out.write(_header())
    counts: dict[str, int] = {}
    comment_id = 1000
    for n, spec in enumerate(posts(huge), start=101):
        for chunk in _item(spec, n, comment_id, seed):
            out.write(chunk)
        comment_id += spec.comments
        counts[spec.slug] = spec.comments
    out.write("</channel>\n</rss>\n")
    return counts


def write_wxr(path: Path, *, huge: bool = False, seed: int = DEFAULT_SEED) -> dict[str, int]:
    """Write the fixture to the file ``path``; returns {slug: comment count}."""
    with path.open("w", encoding="utf-8") as out:
        return write(out, huge=huge, seed=seed)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--huge", action="store_true", help="add the 100,000-comment post")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    counts = write_wxr(args.out, huge=args.huge, seed=args.seed)
    print(f"{args.out}: {len(counts)} posts, {sum(counts.values())} comments", file=sys.stderr)


if __name__ == "__main__":
    main()
