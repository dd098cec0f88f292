"""Importing WordPress exports: the seed-shaped acceptance fixture, threads, statuses, old URLs,
re-imports, bad files, and the export round trip."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from byline.accounts.models import User
from byline.discussion.models import Comment
from byline.migration.export import write_wxr
from byline.migration.models import Attachment, ImportRun
from byline.migration.records import ArchiveError
from byline.migration.wordpress import import_wordpress
from byline.publishing.models import Category, Post, PostRevision

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "fixtures" / "commentary.wxr"

HEADER = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>T</title><link>https://t.example.org</link>
<wp:wxr_version>1.2</wp:wxr_version><wp:base_blog_url>https://t.example.org</wp:base_blog_url>
<wp:author><wp:author_id>3</wp:author_id><wp:author_login>writer</wp:author_login>
<wp:author_email>w@t.example.org</wp:author_email><wp:author_display_name>W</wp:author_display_name>
</wp:author>
"""


def comment_xml(cid: int, parent: int = 0, approved: str = "1", kind: str = "", when: str = "",
                body: str = "text", author: str = "Reader") -> str:  # fmt: skip
    when = when or f"2010-01-01 10:{cid % 60:02d}:00"
    return (
        f"<wp:comment><wp:comment_id>{cid}</wp:comment_id>"
        f"<wp:comment_author><![CDATA[{author}]]></wp:comment_author>"
        f"<wp:comment_author_email>r{cid}@example.org</wp:comment_author_email>"
        f"<wp:comment_date>{when}</wp:comment_date><wp:comment_date_gmt>{when}</wp:comment_date_gmt>"
        f"<wp:comment_content><![CDATA[{body}]]></wp:comment_content>"
        f"<wp:comment_approved>{approved}</wp:comment_approved>"
        f"<wp:comment_type>{kind}</wp:comment_type><wp:comment_parent>{parent}</wp:comment_parent>"
        "<wp:comment_user_id>0</wp:comment_user_id></wp:comment>"
    )


def item_xml(pid: int, comments: str = "", *, post_type: str = "post", status: str = "publish",
             slug: str = "", title: str = "A post", date: str = "2010-01-01 09:00:00",
             date_gmt: str | None = None, extra: str = "") -> str:  # fmt: skip
    gmt_date = date if date_gmt is None else date_gmt
    return (
        f"<item><title>{title}</title><link>https://t.example.org/?p={pid}</link>"
        f'<dc:creator>writer</dc:creator><guid isPermaLink="false">https://t.example.org/?p={pid}</guid>'
        "<content:encoded><![CDATA[Body one.\n\nBody two.]]></content:encoded>"
        f"<wp:post_id>{pid}</wp:post_id><wp:post_date>{date}</wp:post_date>"
        f"<wp:post_date_gmt>{gmt_date}</wp:post_date_gmt><wp:comment_status>open</wp:comment_status>"
        f"<wp:post_name>{slug or f'post-{pid}'}</wp:post_name><wp:status>{status}</wp:status>"
        f"<wp:post_parent>0</wp:post_parent><wp:post_type>{post_type}</wp:post_type>"
        f"<wp:is_sticky>0</wp:is_sticky>{extra}{comments}</item>"
    )


def write(tmp_path: Path, body: str, name: str = "export.xml") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body + "</channel></rss>", encoding="utf-8")
    return path


# -- the acceptance fixture -----------------------------------------------------------------------


def test_it_reproduces_a_commentary_post_and_its_discussion(client):
    report = import_wordpress(FIXTURE)
    assert report.counts["posts_added"] == 1 and report.counts["comments_added"] == 6
    post = Post.objects.get()
    assert post.title == "Lighthouse Keepers Offer to Help the Council Leave the Pier"
    assert post.slug == "keepers_offer_to_help"  # underscores kept
    assert post.author.public_name == "Ada Byrne" and post.author.username == "abyrne"
    assert not post.author.has_usable_password()
    assert post.published_at == datetime(2006, 12, 9, 15, 41, tzinfo=UTC)
    html = post.body_html
    assert html.startswith("<p>It seems the lighthouse keepers, at least")
    quote = html[html.index("<blockquote>") : html.index("</blockquote>")]
    assert quote.count("<p>") == 2 and "night watch" in quote
    assert html.index("</blockquote>") < html.index("<p>Well, yes.")
    ferries = post.categories.get()
    assert str(ferries) == "Town Hall › Ferries" and ferries.path == "town-hall/ferries"
    assert sorted(t.name for t in post.tags.all()) == ["Council", "Lighthouse"]

    comments = list(Comment.objects.filter(post=post).order_by("number"))
    assert [c.number for c in comments] == [1, 2, 3, 4, 5, 6]
    assert [c.display_name for c in comments] == [
        "Anonymous", "Ada Byrne", "old_salt", "mara", "old_salt", "Flint",
    ]  # fmt: skip
    assert comments[0].created_at == datetime(2006, 12, 9, 16, 2, 17, tzinfo=UTC)
    assert comments[1].is_by_post_author(post)
    assert not any(c.is_by_post_author(post) for c in comments if c.number != 2)
    assert "Anne Morrow Lindbergh" in comments[3].body_html
    assert "<script" not in comments[2].body_html and comments[2].author_url == ""
    assert comments[5].author_email == "flint@mail.example.net"  # the injected line is gone

    page = client.get(post.get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count('class="comment') >= 6 and "Post author</span>" in text
    post.refresh_from_db()
    assert post.public_comment_count == 6


def test_every_old_address_redirects_to_the_post(client):
    import_wordpress(FIXTURE)
    post = Post.objects.get()
    for old in (
        "/archives/2006/12/keepers_offer_to_help/",
        "/archives/2006/12/keepers_offer_to_help",
        "/?p=501",
        "/2006/12/keepers-offer/",  # _wp_old_slug
        "/keepers-offer/",
    ):
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == post.get_absolute_url(), old
    assert (
        client.get("/?p=999").status_code == 404
    )  # an id nothing readable has: not the front page
    assert client.get("/archives/nothing/").status_code == 404


def test_reimporting_the_same_file_changes_nothing():
    import_wordpress(FIXTURE)
    before = (
        list(Comment.objects.order_by("pk").values_list("pk", "number", "body_html", "path")),
        PostRevision.objects.count(),
        User.objects.count(),
        Category.objects.count(),
    )
    report = import_wordpress(FIXTURE)
    assert report.counts["posts_unchanged"] == 1 and report.counts["comments_unchanged"] == 6
    assert report.counts["comments_added"] == 0 and report.counts["posts_added"] == 0
    after = (
        list(Comment.objects.order_by("pk").values_list("pk", "number", "body_html", "path")),
        PostRevision.objects.count(),
        User.objects.count(),
        Category.objects.count(),
    )
    assert after == before


def test_a_newer_export_updates_what_changed(tmp_path):
    first = write(tmp_path, item_xml(10, comment_xml(1) + comment_xml(2)), "one.xml")
    import_wordpress(first)
    newer = item_xml(
        10, comment_xml(1, body="edited text") + comment_xml(2) + comment_xml(3), title="Renamed"
    )
    report = import_wordpress(write(tmp_path, newer, "two.xml"))
    assert report.counts["posts_updated"] == 1
    assert report.counts["comments_updated"] == 1 and report.counts["comments_added"] == 1
    post = Post.objects.get()
    assert post.title == "Renamed" and post.revisions.count() == 2
    numbers = dict(Comment.objects.values_list("origin_id", "number"))
    assert numbers == {"wp:1": 1, "wp:2": 2, "wp:3": 3}
    assert "edited text" in Comment.objects.get(origin_id="wp:1").body_html


# -- threads and statuses ---------------------------------------------------------------------------


def test_replies_listed_before_their_parents_are_threaded(tmp_path):
    comments = (
        comment_xml(3, parent=2, when="2010-01-01 10:03:00")
        + comment_xml(2, parent=1, when="2010-01-01 10:02:00")
        + comment_xml(1, when="2010-01-01 10:01:00")
        + comment_xml(4, parent=99, when="2010-01-01 10:04:00")  # parent not in the file
    )
    report = import_wordpress(write(tmp_path, item_xml(10, comments)))
    by_origin = {c.origin_id: c for c in Comment.objects.all()}
    assert by_origin["wp:2"].parent == by_origin["wp:1"]
    assert by_origin["wp:3"].parent == by_origin["wp:2"] and by_origin["wp:3"].depth == 2
    assert by_origin["wp:4"].parent is None
    assert report.counts["replies_to_missing_parents"] == 1
    ordered = list(Comment.objects.order_by("path").values_list("origin_id", flat=True))
    assert ordered == ["wp:1", "wp:2", "wp:3", "wp:4"]
    assert [by_origin[f"wp:{i}"].number for i in (1, 2, 3, 4)] == [1, 2, 3, 4]


def test_threads_deeper_than_the_limit_attach_at_the_deepest_level(tmp_path):
    comments = "".join(comment_xml(i, parent=i - 1 if i > 1 else 0) for i in range(1, 9))
    import_wordpress(write(tmp_path, item_xml(10, comments)))
    deepest = Comment.objects.get(origin_id="wp:8")
    assert deepest.depth == 4 and deepest.in_reply_to.origin_id == "wp:7"


def test_every_comment_status_and_type_is_kept(tmp_path, client):
    comments = (
        comment_xml(1, approved="1")
        + comment_xml(2, approved="0", body="held one")
        + comment_xml(3, approved="spam", body="buy pills")
        + comment_xml(4, approved="trash")
        + comment_xml(5, approved="post-trashed")
        + comment_xml(6, kind="pingback", author="Other Blog")
        + comment_xml(7, kind="trackback")
    )
    import_wordpress(write(tmp_path, item_xml(10, comments)))
    status = dict(Comment.objects.values_list("origin_id", "status"))
    assert status == {
        "wp:1": "public", "wp:2": "pending", "wp:3": "spam", "wp:4": "removed",
        "wp:5": "removed", "wp:6": "public", "wp:7": "public",
    }  # fmt: skip
    kinds = dict(Comment.objects.values_list("origin_id", "kind"))
    assert kinds["wp:6"] == "pingback" and kinds["wp:7"] == "trackback"
    numbers = dict(Comment.objects.values_list("origin_id", "number"))
    assert numbers["wp:2"] is None and numbers["wp:3"] is None
    page = client.get(Post.objects.get().get_absolute_url()).content.decode()
    assert "held one" not in page and "buy pills" not in page


def test_drafts_pages_private_scheduled_attachments_and_unknown_types(tmp_path, client):
    items = (
        item_xml(1, status="draft", slug="", title="Draft with no date",
                 date="0000-00-00 00:00:00", date_gmt="0000-00-00 00:00:00")
        + item_xml(2, post_type="page", slug="about", title="About us")
        + item_xml(3, status="private", title="Private")
        + item_xml(4, status="future", date="2999-01-01 00:00:00", title="Later")
        + item_xml(5, post_type="product", title="A product")
        + item_xml(6, post_type="nav_menu_item")
        + "<item><title>photo</title><wp:post_id>7</wp:post_id><wp:post_type>attachment</wp:post_type>"
        "<wp:post_parent>2</wp:post_parent>"
        "<wp:attachment_url>https://t.example.org/wp-content/uploads/p.jpg</wp:attachment_url></item>"
    )  # fmt: skip
    report = import_wordpress(write(tmp_path, items))
    draft = Post.objects.get(title="Draft with no date")
    assert draft.status == "draft" and draft.published_at is None and draft.slug
    page = Post.objects.get(slug="about")
    assert page.kind == "page" and page.get_absolute_url() == "/about/"
    assert client.get("/about/").status_code == 200
    assert client.get("/?page_id=2")["Location"] == "/about/"
    assert Post.objects.get(title="Private").status == "private"
    assert Post.objects.get(title="Later").is_scheduled
    assert report.counts["unknown_type_product"] == 1
    assert any("product" in note for note in report.notes)
    assert report.counts["menu_items_without_menu"] == 1  # in no menu: reported, not kept
    attachment = Attachment.objects.get()
    assert attachment.post == page and attachment.url.endswith("/p.jpg")
    assert "About us" not in client.get("/").content.decode()  # pages stay off the front page


def test_local_times_use_the_exports_offset(tmp_path):
    # The post gives both local and GMT (UTC-5); the comment only a local time.
    item = item_xml(
        10,
        comment_xml(1, when="2010-01-01 12:00:00").replace(
            "<wp:comment_date_gmt>2010-01-01 12:00:00</wp:comment_date_gmt>",
            "<wp:comment_date_gmt>0000-00-00 00:00:00</wp:comment_date_gmt>",
        ),
        date="2010-01-01 09:00:00",
        date_gmt="2010-01-01 14:00:00",
    )
    import_wordpress(write(tmp_path, item))
    assert Comment.objects.get().created_at == datetime(2010, 1, 1, 17, 0, tzinfo=UTC)


def test_hostile_content_is_neutralised(tmp_path, client):
    body = '<a href="JaVaScRiPt:alert(1)">x</a><img src=x onerror=alert(1)><script>bad()</script>'
    comments = comment_xml(1, body=body, author="<b>Evil</b>\nName &lt;script&gt;")
    item = item_xml(10, comments).replace("Body one.", body)
    import_wordpress(write(tmp_path, item))
    post, comment = Post.objects.get(), Comment.objects.get()
    for html in (post.body_html, comment.body_html):
        assert "javascript" not in html.lower() and "onerror" not in html and "<script" not in html
    # Names are HTML in WordPress: tags dropped, entities decoded once, then shown as text.
    assert comment.author_name == "Evil Name <script>"
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Evil Name &lt;script&gt;" in page and "<b>Evil" not in page


# -- bad files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, words",
    [
        (HEADER + item_xml(1, comment_xml(1)) + "<item><title>cut off", "line"),
        ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss>&a;</rss>', "DOCTYPE"),
    ],
)
def test_a_broken_or_hostile_file_imports_nothing(tmp_path, content, words):
    path = tmp_path / "bad.xml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ArchiveError) as info:
        import_wordpress(path)
    assert words.lower() in str(info.value).lower()
    assert Post.objects.count() == 0 and Comment.objects.count() == 0 and User.objects.count() == 0


def test_the_command_reports_errors_in_words(tmp_path):
    with pytest.raises(CommandError, match="is not a file"):
        call_command("import", "wordpress", str(tmp_path / "missing.xml"))
    bad = tmp_path / "bad.xml"
    bad.write_bytes(HEADER.encode() + b"<item><title>\xff\xfe broken</title>")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import", "wordpress", str(bad), "--quiet")
    assert ImportRun.objects.get().state == "failed"
    with pytest.raises(CommandError, match="does not exist"):
        call_command("export", "wordpress", "-o", str(tmp_path / "no" / "such" / "x.xml"))


def test_the_command_imports_and_prints_a_summary(tmp_path):
    out = io.StringIO()
    call_command("import", "wordpress", str(FIXTURE), "--quiet", stdout=out)
    assert "posts added: 1" in out.getvalue() and "comments added: 6" in out.getvalue()
    run = ImportRun.objects.get()
    assert run.state == "finished" and run.counts["comments_added"] == 6


# -- export -----------------------------------------------------------------------------------------


def export() -> str:
    out = io.StringIO()
    write_wxr(out)
    return out.getvalue()


# Transactional: flushing the database (an empty site) cannot run inside a test transaction on
# PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_export_then_import_into_an_empty_site_then_export_is_identical(tmp_path, add_comment):
    from byline.demo.content import load_demo
    from byline.discussion.services import remove_comment

    load_demo()
    import_wordpress(FIXTURE)
    demo = Post.objects.get(slug__startswith="harbor-authority")
    remove_comment(demo.comments.get(number=3), by=User.objects.create_superuser("root"))
    first = export()
    assert "<wp:wxr_version>1.2</wp:wxr_version>" in first
    path = tmp_path / "first.xml"
    path.write_text(first, encoding="utf-8")

    call_command("flush", interactive=False, verbosity=0)
    assert Post.objects.count() == 0
    import_wordpress(path)
    second = export()
    assert second == first
    # What WordPress cannot hold came back too: Markdown sources and comment numbers.
    demo = Post.objects.get(slug__startswith="harbor-authority")
    assert demo.body_format == "markdown" and "<figcaption>" in demo.body_html
    numbers = demo.comments.filter(number__isnull=False).values_list("number", flat=True)
    assert sorted(numbers) == [1, 2, 3, 4, 5, 6]
    # The demo's queue (two held, one spam) came back as it was.
    statuses = list(demo.comments.values_list("status", flat=True))
    assert statuses.count("pending") == 2 and statuses.count("spam") == 1
    assert demo.comments.get(number=3).status == "removed"


def test_export_json_is_valid_and_complete():
    import json

    from byline.migration.export import write_json

    import_wordpress(FIXTURE)
    out = io.StringIO()
    write_json(out)
    data = json.loads(out.getvalue())
    assert data["format"] == "byline-export" and data["version"] == 1
    post = data["posts"][0]
    assert post["slug"] == "keepers_offer_to_help" and len(post["comments"]) == 6
    assert "/archives/2006/12/keepers_offer_to_help/" in post["legacy_urls"]
    assert post["old_slugs"] == ["keepers-offer"]
    assert {c["number"] for c in post["comments"]} == {1, 2, 3, 4, 5, 6}


def test_old_comment_anchors_still_find_their_comment(client):
    import_wordpress(FIXTURE)
    post = Post.objects.get()
    page = client.get(post.get_absolute_url()).content.decode()
    # An old link .../keepers_offer_to_help/#comment-9003 lands on the same comment (#3).
    assert '<span id="comment-9003"></span>' in page
    assert page.index('id="comment-9003"') < page.index('id="comment-4"')
    response = client.get(f"{post.get_absolute_url()}comment-9003/")
    assert response.status_code == 302
    assert response["Location"] == f"{post.get_absolute_url()}#comment-3"
    assert client.get(f"{post.get_absolute_url()}comment-9999/").status_code == 404


# -- fixes from review ---------------------------------------------------------------------------


def test_reimporting_keeps_moderator_decisions():
    from byline.discussion.services import remove_comment

    import_wordpress(FIXTURE)
    comment = Comment.objects.get(origin_id="wp:9006")
    remove_comment(comment, by=User.objects.create_superuser("mod"))
    report = import_wordpress(FIXTURE)
    assert report.counts["comments_unchanged"] == 6
    comment.refresh_from_db()
    assert comment.status == "removed"


def test_unicode_slugs_and_old_addresses_work(tmp_path, client):
    item = item_xml(10, slug="%d0%bf%d1%80%d0%b8%d0%b2%d0%b5%d1%82").replace(
        "<link>https://t.example.org/?p=10</link>",
        "<link>https://t.example.org/archives/%d0%bf%d1%80%d0%b8/</link>",
    )
    import_wordpress(write(tmp_path, item))
    post = Post.objects.get()
    assert post.slug == "привет"
    assert client.get(post.get_absolute_url()).status_code == 200
    response = client.get("/archives/при/")
    assert response.status_code == 301 and response["Location"] == post.get_absolute_url()


def test_reserved_slugs_are_not_taken_by_imported_pages(tmp_path, client):
    import_wordpress(write(tmp_path, item_xml(10, post_type="page", slug="feed", title="Feed")))
    page = Post.objects.get()
    assert page.slug != "feed" and client.get(page.get_absolute_url()).status_code == 200
    assert client.get("/feed/")["Content-Type"].startswith("application/rss+xml")


@pytest.mark.django_db(transaction=True)
def test_round_trip_keeps_colliding_ids_commenters_and_same_slug_categories(tmp_path, make_post,
                                                                               add_comment, reader):  # fmt: skip
    import_wordpress(FIXTURE)
    imported = Post.objects.get()
    # A comment written here whose id equals an imported WordPress id on the same post.
    native = add_comment(imported, "written here", user=reader)
    Comment.objects.filter(pk=native.pk).update(id=9001 + 100_000)
    politics = Category.objects.create(name="Politics", slug="politics")
    sports = Category.objects.create(name="Sports", slug="sports")
    local_a = Category.objects.create(name="Local", slug="local", parent=politics)
    local_b = Category.objects.create(name="Local", slug="local", parent=sports)
    make_post("A", categories=[local_a])
    make_post("B", categories=[local_b])
    first = export()
    path = tmp_path / "first.xml"
    path.write_text(first, encoding="utf-8")
    call_command("flush", interactive=False, verbosity=0)
    import_wordpress(path)
    assert export() == first
    assert Comment.objects.filter(post__slug="keepers_offer_to_help").count() == 7
    assert not User.objects.filter(username="reader").exists()  # commenters are not authors
    assert sorted(Post.objects.get(title=t).categories.get().path for t in "AB") == [
        "politics/politics-local", "sports/sports-local",
    ]  # fmt: skip


def test_a_failed_run_is_recorded_not_left_running(tmp_path):
    from byline.migration.runs import execute

    run = ImportRun.objects.create(kind="wordpress", file_name="gone.xml",
                                   file_path=str(tmp_path / "gone.xml"))  # fmt: skip
    assert execute(run) is None
    run.refresh_from_db()
    assert run.state == "failed" and "Nothing was imported" in run.error


def test_only_one_import_runs_at_a_time():
    from byline.migration.runs import execute

    ImportRun.objects.create(kind="wordpress", file_name="big.xml", state="running")
    run = ImportRun.objects.create(kind="wordpress", file_name="c.xml", file_path=str(FIXTURE))
    assert execute(run) is None
    run.refresh_from_db()
    assert run.state == "failed" and "still running" in run.error
    assert Post.objects.count() == 0


def test_numbers_follow_dates_not_nesting(tmp_path):
    # 1 (10:01) has a late reply 3 (10:09); 2 (10:05) is top-level: numbers go by time.
    comments = (
        comment_xml(1, when="2010-01-01 10:01:00")
        + comment_xml(3, parent=1, when="2010-01-01 10:09:00")
        + comment_xml(2, when="2010-01-01 10:05:00")
    )
    import_wordpress(write(tmp_path, item_xml(10, comments)))
    numbers = dict(Comment.objects.values_list("origin_id", "number"))
    assert numbers == {"wp:1": 1, "wp:2": 2, "wp:3": 3}
    assert all(c.published_at == c.created_at for c in Comment.objects.all())
