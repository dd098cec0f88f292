"""Synthetic WordPress WXR 1.2 exports for import benchmarks, streamed straight to disk.

``--posts`` posts with exactly ``--comments-per-post`` comments each, deterministic for a given
``--seed`` (same arguments → same bytes). The file is written item by item and never held in
memory, so a million-comment export costs a few MB of RAM to make.

What the file contains, to exercise the importer the way real exports do:

* a channel header, four ``wp:author`` entries, categories with parents (one listed before its
  parent), tags;
* posts (mostly published; a few drafts, private posts and pages) with classic-editor bodies:
  blank-line paragraphs, a ``<blockquote>`` now and then, Greek, CJK, emoji and accented text,
  ``pubDate``, ``wp:post_date`` local time and ``wp:post_date_gmt`` (a fixed −05:00 offset),
  categories/tags per item, ``_wp_old_slug`` meta on ~10% of posts (and ``_edit_last`` noise);
* comments: ~40% top level, the rest replies to the previous comment (chains) or to a random
  earlier one, never deeper than depth 8 (0-based depth ≤ 7, i.e. chains of up to 8);
  ~10% of each item's comments moved to a random position, so some replies come before their
  parents; statuses ``1`` (~86%), ``0``, ``spam``, ``trash``, ``post-trashed``; ~2% pingbacks and
  ~1% trackbacks; some by site authors (``wp:comment_user_id``); IPv4 and IPv6 addresses;
  a rare ``]]>`` inside a body (split CDATA, as WordPress writes it).

Use as a module (:func:`generate` returns :class:`Stats`) or from the command line::

    .venv/bin/python bench/wxr_gen.py /tmp/bench.wxr --posts 200 --comments-per-post 50 --seed 1
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

SITE = "https://old.example.org"
OFFSET = timedelta(hours=-5)  # the site's time zone: local = GMT − 5 h
MAX_CHAIN_DEPTH = 8  # longest reply chain: depth 0 … 7
SHUFFLE_SHARE = 0.10

AUTHORS = [  # (id, login, email, display name, first, last)
    (1, "abyrne", "ada@old.example.org", "Ada Byrne", "Ada", "Byrne"),
    (2, "kpapadopoulou", "katerina@old.example.org", "Κατερίνα Παπαδοπούλου", "Κατερίνα", ""),
    (3, "tanaka", "tanaka@old.example.org", "田中 優子", "優子", "田中"),
    (4, "jmuller", "jurgen@old.example.org", "Jürgen Müller", "Jürgen", "Müller"),
]
# (slug, name, parent slug). "ferries" is listed before its parent, as real exports sometimes do.
CATEGORIES = [
    ("ferries", "Ferries", "town-hall"),
    ("town-hall", "Town Hall", ""),
    ("budget", "Budget", "town-hall"),
    ("harbor", "Harbor", ""),
    ("fishing", "Fishing", "harbor"),
    ("weather", "Weather & Tides", "harbor"),
    ("storms", "Storms", "weather"),
    ("culture", "Culture", ""),
    ("musik", "Musik & Fest", "culture"),
    ("politiki", "Πολιτική", ""),
]
TAGS = [
    "lighthouse", "council", "pier", "dredging", "zoning", "tourism", "levy", "ferry-schedule",
    "mayor", "election", "erosion", "marina", "café", "fête", "ιστορία", "θάλασσα", "港", "祭り",
    "audit", "grant", "tender", "quorum", "minutes", "shoreline", "bridge",
]  # fmt: skip

WORDS = [
    "harbor", "council", "budget", "ferry", "vote", "bridge", "tide", "zoning", "permit",
    "mayor", "levy", "dredge", "pier", "license", "report", "committee", "quorum", "minutes",
    "amendment", "shoreline", "erosion", "grant", "audit", "tender", "tourism", "marina", "fog",
    "lantern", "keeper", "gangway", "storm", "nets", "quay", "café", "naïve", "façade", "résumé",
    "Zürich", "smörgåsbord", "jalapeño", "coöperate", "Ærø",
]  # fmt: skip
FOREIGN = [
    "Η θάλασσα δεν ανταμείβει τους ανυπόμονους.",
    "Το λιμάνι ήταν γεμάτο ομίχλη σήμερα το πρωί.",
    "港の灯台はまだ点いていない。",
    "議会は来週また会合を開く予定です。",
    "这座桥明年才能完工。",
    "부두의 등대가 다시 켜졌습니다.",
    "Ça alors, encore une réunion à huis clos !",
    "Straße gesperrt, Fähre fällt aus – schöne Grüße.",
    "¿Quién pagará el dragado del puerto?",
    "Мэр снова опоздал на заседание.",
    "שלום מהנמל",
    "مرحبا من الميناء",
]
EMOJI = ["🙂", "😂", "⚓", "🌊", "🚢", "🐟", "👍", "🔥", "🏝️", "👨‍👩‍👧", "🇬🇷", "❤️"]
COMMENTERS = [
    ("mara", "mara@mail.example.net", ""),
    ("old_salt", "salt@mail.example.net", "https://salt.example.net/"),
    ("Flint", "flint@mail.example.net", ""),
    ("Γιώργος", "giorgos@mail.example.gr", "https://giorgos.example.gr"),
    ("佐藤", "sato@mail.example.jp", ""),
    ("Zoë Ångström", "zoe@mail.example.se", "http://zoe.example.se/blog/"),
    ("", "", ""),  # anonymous
    ("harbor watcher", "watcher@mail.example.net", ""),
    ("Renée O'Brien", "renee@mail.example.ie", "https://renee.example.ie"),
    ("D. Nguyễn", "nguyen@mail.example.vn", ""),
]
APPROVED = ["1"] * 86 + ["0"] * 5 + ["spam"] * 5 + ["trash"] * 2 + ["post-trashed"] * 2


@dataclass
class Stats:
    """What was generated: enough to check an import of the file."""

    posts: int = 0
    items_by_type: Counter[str] = field(default_factory=Counter)
    comments: int = 0
    replies: int = 0
    out_of_order: int = 0  # comments written before their parent
    max_depth: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    by_type: Counter[str] = field(default_factory=Counter)
    public_by_post: dict[int, int] = field(default_factory=dict)
    old_slugs: int = 0
    bytes: int = 0
    seconds: float = 0.0


def cdata(text: str) -> str:
    """CDATA that survives ``]]>`` in the text, split the way WordPress's exporter does."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


class Writer:
    """Deterministic content for one file."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def sentence(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.12:
            return rng.choice(FOREIGN)
        words = rng.choices(WORDS, k=rng.randint(5, 16))
        text = " ".join(words).capitalize()
        if roll < 0.2:
            text += " " + rng.choice(EMOJI)
        if roll > 0.97:
            text += f' <a href="https://example.org/{rng.randrange(9999)}">link</a>'
        return text + rng.choice([".", ".", ".", "!", "?"])

    def paragraph(self, most: int) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(1, most)))

    def body(self, paragraphs: tuple[int, int], sentences: int) -> str:
        rng = self.rng
        blocks = [self.paragraph(sentences) for _ in range(rng.randint(*paragraphs))]
        if rng.random() < 0.08:
            quote_ = "\n\n".join(self.paragraph(3) for _ in range(rng.randint(1, 2)))
            blocks.insert(rng.randrange(len(blocks) + 1), f"<blockquote>{quote_}</blockquote>")
        if rng.random() < 0.05:  # a line break inside a paragraph (wpautop makes it <br />)
            blocks[-1] += "\n" + self.sentence()
        if rng.random() < 0.001:
            blocks.append("Code: <code>if (a[b[0]]> 1)</code> — the ]]> survives.")
        return "\n\n".join(blocks)


def _date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _header(out: TextIO) -> None:
    out.write(
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        "<!-- Synthetic WXR made by bench/wxr_gen.py -->\n"
        '<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
        "\t<title>Harbor Notes</title>\n"
        f"\t<link>{SITE}</link>\n"
        "\t<description>A group blog about a small port town</description>\n"
        "\t<pubDate>Mon, 01 Jan 2024 00:00:00 +0000</pubDate>\n"
        "\t<language>en-US</language>\n"
        "\t<wp:wxr_version>1.2</wp:wxr_version>\n"
        f"\t<wp:base_site_url>{SITE}</wp:base_site_url>\n"
        f"\t<wp:base_blog_url>{SITE}</wp:base_blog_url>\n"
    )
    for aid, login, email, display, first, last in AUTHORS:
        out.write(
            f"\t<wp:author><wp:author_id>{aid}</wp:author_id>"
            f"<wp:author_login>{cdata(login)}</wp:author_login>"
            f"<wp:author_email>{cdata(email)}</wp:author_email>"
            f"<wp:author_display_name>{cdata(display)}</wp:author_display_name>"
            f"<wp:author_first_name>{cdata(first)}</wp:author_first_name>"
            f"<wp:author_last_name>{cdata(last)}</wp:author_last_name></wp:author>\n"
        )
    for n, (slug, name, parent) in enumerate(CATEGORIES, start=2):
        out.write(
            f"\t<wp:category><wp:term_id>{n}</wp:term_id>"
            f"<wp:category_nicename>{cdata(quote(slug))}</wp:category_nicename>"
            f"<wp:category_parent>{cdata(parent)}</wp:category_parent>"
            f"<wp:cat_name>{cdata(name)}</wp:cat_name></wp:category>\n"
        )
    for n, tag in enumerate(TAGS, start=100):
        out.write(
            f"\t<wp:tag><wp:term_id>{n}</wp:term_id><wp:tag_slug>{cdata(quote(tag))}</wp:tag_slug>"
            f"<wp:tag_name>{cdata(tag.replace('-', ' ').title())}</wp:tag_name></wp:tag>\n"
        )


@dataclass
class _Comment:
    cid: int
    parent: int  # 0 = top level
    depth: int
    when: datetime  # GMT
    text: str  # the serialised <wp:comment> element


def _comments(
    w: Writer, stats: Stats, post_id: int, first_id: int, count: int, start: datetime
) -> tuple[list[_Comment], int]:
    """One item's comments in file order, and how many of them are public."""
    rng = w.rng
    made: list[_Comment] = []
    when = start
    public = 0
    for k in range(count):
        cid = first_id + k
        when += timedelta(seconds=rng.randint(30, 6 * 3600))
        kind = ""
        roll = rng.random()
        if roll < 0.02:
            kind = "pingback"
        elif roll < 0.03:
            kind = "trackback"
        parent: _Comment | None = None
        if made and not kind:
            pick = rng.random()
            if pick < 0.3 and made[-1].depth < MAX_CHAIN_DEPTH - 1:
                parent = made[-1]  # a chain: answering the comment just above
            elif pick < 0.6:
                candidates = [c for c in made[-40:] if c.depth < MAX_CHAIN_DEPTH - 1]
                parent = rng.choice(candidates) if candidates else None
        depth = parent.depth + 1 if parent else 0
        approved = rng.choice(APPROVED)
        user_id = 0
        if kind:
            name = f"Other Blog {rng.randrange(50)}"
            email = ""
            url = f"https://other{rng.randrange(50)}.example.com/{post_id}/"
            content = f"[…] {w.sentence()} […]"
        else:
            if rng.random() < 0.05:
                author = rng.choice(AUTHORS)
                user_id, name, email, url = author[0], author[3], author[2], SITE
            else:
                name, email, url = rng.choice(COMMENTERS)
            content = w.body((1, 3), 3)
        if rng.random() < 0.1:
            ip = f"2001:db8:{rng.randrange(0x10000):x}::{rng.randrange(0x10000):x}"
        else:
            ip = ".".join(
                str(n) for n in (rng.choice((192, 198, 203)), rng.randrange(256),
                                 rng.randrange(256), rng.randrange(1, 255))
            )  # fmt: skip
        local = when + OFFSET
        text = (
            "\t\t<wp:comment>\n"
            f"\t\t\t<wp:comment_id>{cid}</wp:comment_id>\n"
            f"\t\t\t<wp:comment_author>{cdata(name)}</wp:comment_author>\n"
            f"\t\t\t<wp:comment_author_email>{cdata(email)}</wp:comment_author_email>\n"
            f"\t\t\t<wp:comment_author_url>{url}</wp:comment_author_url>\n"
            f"\t\t\t<wp:comment_author_IP>{cdata(ip)}</wp:comment_author_IP>\n"
            f"\t\t\t<wp:comment_date>{cdata(_date(local))}</wp:comment_date>\n"
            f"\t\t\t<wp:comment_date_gmt>{cdata(_date(when))}</wp:comment_date_gmt>\n"
            f"\t\t\t<wp:comment_content>{cdata(content)}</wp:comment_content>\n"
            f"\t\t\t<wp:comment_approved>{cdata(approved)}</wp:comment_approved>\n"
            f"\t\t\t<wp:comment_type>{cdata(kind)}</wp:comment_type>\n"
            f"\t\t\t<wp:comment_parent>{parent.cid if parent else 0}</wp:comment_parent>\n"
            f"\t\t\t<wp:comment_user_id>{user_id}</wp:comment_user_id>\n"
            + (
                "\t\t\t<wp:commentmeta><wp:meta_key><![CDATA[akismet_result]]></wp:meta_key>"
                "<wp:meta_value><![CDATA[false]]></wp:meta_value></wp:commentmeta>\n"
                if rng.random() < 0.2
                else ""
            )
            + "\t\t</wp:comment>\n"
        )
        made.append(_Comment(cid, parent.cid if parent else 0, depth, when, text))
        stats.by_status[approved] += 1
        stats.by_type[kind or "comment"] += 1
        stats.replies += parent is not None
        stats.max_depth = max(stats.max_depth, depth)
        public += approved == "1"
    # Move ~10% of the comments to random places: some replies now precede their parents.
    if len(made) > 1:
        moving = sorted(rng.sample(range(len(made)), max(1, round(len(made) * SHUFFLE_SHARE))))
        moved = [made[i] for i in moving]
        for i in reversed(moving):
            del made[i]
        for c in moved:
            made.insert(rng.randrange(len(made) + 1), c)
    seen: set[int] = set()
    for c in made:
        stats.out_of_order += c.parent != 0 and c.parent not in seen
        seen.add(c.cid)
    return made, public


def _item(w: Writer, stats: Stats, n: int, post_id: int, when: datetime, comments: int) -> str:
    rng = w.rng
    roll = rng.random()
    post_type = "page" if roll < 0.01 else "post"
    status = "publish"
    if roll > 0.985:
        status = "draft"
    elif roll > 0.975:
        status = "private"
    if rng.random() < 0.05:
        title = rng.choice(FOREIGN).rstrip(".。!")
        slug = quote(title.lower().replace(" ", "-")[:40]) + f"-{n}"
    else:
        title = " ".join(rng.choices(WORDS, k=rng.randint(3, 9))).title()
        slug = "-".join(title.lower().split())[:60] + f"-{n}"
    title += f" ({n})"
    author = rng.choice(AUTHORS)
    local = when + OFFSET
    link = f"{SITE}/archives/{local:%Y/%m}/{slug}/"
    terms = [
        f'\t\t<category domain="category" nicename="{quote(s)}">{cdata(name)}</category>\n'
        for s, name, _ in rng.sample(CATEGORIES, rng.randint(1, 2))
    ] + [
        f'\t\t<category domain="post_tag" nicename="{quote(t)}">'
        f"{cdata(t.replace('-', ' ').title())}</category>\n"
        for t in rng.sample(TAGS, rng.randint(0, 4))
    ]
    meta = ["\t\t<wp:postmeta><wp:meta_key><![CDATA[_edit_last]]></wp:meta_key>"
            f"<wp:meta_value><![CDATA[{author[0]}]]></wp:meta_value></wp:postmeta>\n"]  # fmt: skip
    if rng.random() < 0.1:
        for k in range(rng.randint(1, 2)):
            old = f"{slug}-draft{k}" if k else slug.rsplit("-", 1)[0] + f"-old-{n}"
            meta.append(
                "\t\t<wp:postmeta><wp:meta_key><![CDATA[_wp_old_slug]]></wp:meta_key>"
                f"<wp:meta_value>{cdata(old)}</wp:meta_value></wp:postmeta>\n"
            )
            stats.old_slugs += 1
    content = w.body((3, 9), 6)
    stats.items_by_type[post_type] += 1
    return (
        "\t<item>\n"
        f"\t\t<title>{cdata(title)}</title>\n"
        f"\t\t<link>{link}</link>\n"
        f"\t\t<pubDate>{when:%a, %d %b %Y %H:%M:%S} +0000</pubDate>\n"
        f"\t\t<dc:creator>{cdata(author[1])}</dc:creator>\n"
        f'\t\t<guid isPermaLink="false">{SITE}/?p={post_id}</guid>\n'
        "\t\t<description></description>\n"
        f"\t\t<content:encoded>{cdata(content)}</content:encoded>\n"
        f"\t\t<excerpt:encoded>{cdata('')}</excerpt:encoded>\n"
        f"\t\t<wp:post_id>{post_id}</wp:post_id>\n"
        f"\t\t<wp:post_date>{cdata(_date(local))}</wp:post_date>\n"
        f"\t\t<wp:post_date_gmt>{cdata(_date(when))}</wp:post_date_gmt>\n"
        f"\t\t<wp:comment_status>{cdata('closed' if rng.random() < 0.1 else 'open')}"
        "</wp:comment_status>\n"
        "\t\t<wp:ping_status><![CDATA[open]]></wp:ping_status>\n"
        f"\t\t<wp:post_name>{cdata(slug)}</wp:post_name>\n"
        f"\t\t<wp:status>{cdata(status)}</wp:status>\n"
        "\t\t<wp:post_parent>0</wp:post_parent>\n"
        "\t\t<wp:menu_order>0</wp:menu_order>\n"
        f"\t\t<wp:post_type>{cdata(post_type)}</wp:post_type>\n"
        "\t\t<wp:post_password><![CDATA[]]></wp:post_password>\n"
        f"\t\t<wp:is_sticky>{int(rng.random() < 0.002)}</wp:is_sticky>\n"
        + "".join(terms)
        + "".join(meta)
    )


def generate(path: Path, posts: int, comments_per_post: int, seed: int = 1) -> Stats:
    """Write the file; return what is in it."""
    started = time.perf_counter()
    w = Writer(seed)
    stats = Stats()
    first = datetime(2006, 1, 2, 9, 0)  # naive GMT
    span = datetime(2024, 6, 1) - first
    step = span / max(posts, 1)
    next_comment = 1000
    with path.open("w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
        _header(out)
        for n in range(posts):
            post_id = 10 + n * 3  # gaps, as revisions and attachments leave in real exports
            when = first + step * n + timedelta(seconds=w.rng.randrange(int(step.total_seconds())))
            out.write(_item(w, stats, n, post_id, when, comments_per_post))
            made, public = _comments(w, stats, post_id, next_comment, comments_per_post, when)
            next_comment += comments_per_post
            out.write("".join(c.text for c in made))
            out.write("\t</item>\n")
            stats.public_by_post[post_id] = public
            stats.comments += len(made)
        out.write("</channel>\n</rss>\n")
    stats.posts = posts
    stats.bytes = path.stat().st_size
    stats.seconds = time.perf_counter() - started
    return stats


def main() -> None:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("output", type=Path)
    p.add_argument("--posts", type=int, default=200)
    p.add_argument("--comments-per-post", type=int, default=50)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    s = generate(args.output, args.posts, args.comments_per_post, args.seed)
    print(
        f"{args.output}: {s.bytes / 1e6:,.1f} MB, {s.posts:,} items, {s.comments:,} comments "
        f"({s.replies:,} replies, {s.out_of_order:,} before their parent, max depth "
        f"{s.max_depth}), statuses {dict(s.by_status)}, types {dict(s.by_type)}; "
        f"{s.seconds:.1f}s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
