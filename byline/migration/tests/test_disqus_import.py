"""Importing Disqus comments onto posts that came from WordPress (or were written here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from byline.discussion.models import Comment
from byline.migration.disqus_import import import_disqus
from byline.migration.models import UnattachedThread
from byline.migration.wordpress import import_wordpress
from byline.publishing.models import Post

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "fixtures" / "commentary.wxr"


def thread(tid: str, link: str, identifier: str = "") -> str:
    return (
        f'<thread dsq:id="{tid}"><id>{identifier}</id><forum>harbor</forum>'
        f"<link>{link}</link><title>t</title><createdAt>2012-01-01T12:00:00Z</createdAt>"
        "<isClosed>false</isClosed><isDeleted>false</isDeleted></thread>"
    )


def post(pid: str, tid: str, parent: str = "", *, when: str = "2012-01-02T10:00:00Z",
         deleted: str = "false", spam: str = "false", message: str = "<p>Hi</p>",
         name: str = "Guest") -> str:  # fmt: skip
    parent_xml = f'<parent dsq:id="{parent}"/>' if parent else ""
    return (
        f'<post dsq:id="{pid}"><id/><message><![CDATA[{message}]]></message>'
        f"<createdAt>{when}</createdAt><isDeleted>{deleted}</isDeleted><isSpam>{spam}</isSpam>"
        f"<author><email>{pid}@example.org</email><name>{name}</name>"
        "<isAnonymous>true</isAnonymous></author><ipAddress>192.0.2.1</ipAddress>"
        f'<thread dsq:id="{tid}"/>{parent_xml}</post>'
    )


def disqus(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "disqus.xml"
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>'
        '<disqus xmlns="http://disqus.com" '
        'xmlns:dsq="http://disqus.com/disqus-internals">' + body + "</disqus>",
        encoding="utf-8",
    )
    return path


def test_threads_match_posts_by_old_link_identifier_or_address(tmp_path):
    import_wordpress(FIXTURE)
    target = Post.objects.get()
    body = (
        thread("1", "https://old.example.org/archives/2006/12/keepers_offer_to_help/")
        + thread("2", "https://elsewhere.example.org/x", identifier="501 https://old.example.org/?p=501")
        + thread("3", f"https://new.example.org{target.get_absolute_url()}")
        + thread("4", "https://old.example.org/no/such/post/")
        + post("11", "1", when="2012-01-02T10:00:00Z")
        + post("12", "2", when="2012-01-02T11:00:00Z")
        + post("13", "3", when="2012-01-02T12:00:00Z")
        + post("14", "4")
    )  # fmt: skip
    report = import_disqus(disqus(tmp_path, body))
    assert report.counts["threads_matched"] == 3 and report.counts["threads_unmatched"] == 1
    assert report.counts["disqus_posts_unattached"] == 1  # kept, with its thread
    assert UnattachedThread.objects.get(source_id="4").comment_count == 1
    assert report.notes
    origins = set(Comment.objects.filter(post=target).values_list("origin_id", flat=True))
    assert {"dsq:11", "dsq:12", "dsq:13"} <= origins
    numbers = list(
        Comment.objects.filter(origin_id__startswith="dsq:")
        .order_by("number")
        .values_list("number", flat=True)
    )
    assert numbers == [7, 8, 9]  # after the six WordPress comments


def test_replies_statuses_and_reimport(tmp_path, client):
    import_wordpress(FIXTURE)
    link = "https://old.example.org/archives/2006/12/keepers_offer_to_help/"
    body = (
        thread("1", link)
        + post("22", "1", parent="21", when="2012-01-02T11:00:00Z", message="<p>child</p>")
        + post("21", "1", when="2012-01-02T10:00:00Z", message="<p>parent</p>")
        + post("23", "1", deleted="true", message="<p>gone</p>")
        + post("24", "1", spam="true", message="<p>spam!</p>")
        + post("25", "1", message='<p><a href="javascript:x()">click</a><script>x()</script></p>')
    )
    path = disqus(tmp_path, body)
    import_disqus(path)
    by_origin = {c.origin_id: c for c in Comment.objects.filter(origin_id__startswith="dsq:")}
    assert by_origin["dsq:22"].parent == by_origin["dsq:21"]
    assert by_origin["dsq:23"].status == "removed" and by_origin["dsq:24"].status == "spam"
    assert by_origin["dsq:21"].author_name == "Guest"  # "anonymous" on Disqus, yet named
    html = by_origin["dsq:25"].body_html
    assert "javascript" not in html and "<script" not in html
    count = Comment.objects.count()
    report = import_disqus(path)
    assert Comment.objects.count() == count and report.counts["comments_added"] == 0
    page = client.get(Post.objects.get().get_absolute_url()).content.decode()
    assert "child" in page and "spam!" not in page
