"""Disqus without a single loss (issue 10): every Disqus comment is placed, merged into the
WordPress comment it copies, kept unattached with its thread, or refused with the reason; the
four add up to the file's count. Replies to missing comments say so. Fixtures are our own:
``wxr-disqus-synced.xml`` (a WordPress blog whose Disqus plugin synced comments both ways)
and ``disqus-zero-loss.xml`` (its Disqus export, with every case in it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test.utils import override_settings

from byline.discussion.models import Comment
from byline.migration.disqus_import import import_disqus
from byline.migration.models import UnattachedThread
from byline.migration.unattached import attach
from byline.migration.wordpress import import_wordpress
from byline.publishing.models import Post

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
WXR = FIXTURES / "wxr-disqus-synced.xml"
DISQUS = FIXTURES / "disqus-zero-loss.xml"
ADMIN = "/admin/migration/unattachedthread/"


def by_origin() -> dict[str, Comment]:
    out = {}
    for c in Comment.objects.all():
        out[c.origin_id] = c
        if c.origin_alias:
            out[c.origin_alias] = c
    return out


def test_every_disqus_comment_is_placed_merged_kept_or_refused_and_they_add_up():
    import_wordpress(WXR)
    report = import_disqus(DISQUS)
    counts = report.counts
    assert counts["disqus_posts"] == 15  # <post> entries in the file
    assert (
        counts["disqus_posts_placed"],
        counts["disqus_posts_merged"],
        counts["disqus_posts_unattached"],
        counts["disqus_posts_refused"],
    ) == (4, 3, 6, 2)
    assert (
        sum(counts[f"disqus_posts_{k}"] for k in ("placed", "merged", "unattached", "refused"))
        == 15
    )
    assert any(
        "accounted for: 4 placed + 3 merged + 6 kept unattached + 2 refused = 15" in n
        for n in report.notes
    )
    # Each refusal is named, with why.
    assert any("no dsq:id" in n and "2013-05-05T10:00:00Z" in n for n in report.notes)
    assert any("90011" in n and "more than once" in n for n in report.notes)
    # Nothing stored twice: 5 WordPress comments + 4 placed from Disqus; the copies merged.
    assert Comment.objects.count() == 9
    assert sum(t.comment_count for t in UnattachedThread.objects.all()) == 6


def test_disqus_copies_of_wordpress_comments_become_one_comment_with_both_origins():
    import_wordpress(WXR)
    import_disqus(DISQUS)
    comments = by_origin()
    # Paired by WordPress's dsq_post_id meta, and by the Disqus post's own "wp_id=7101".
    assert comments["dsq:90001"].origin_id == "wp:7001"
    assert comments["dsq:90002"].origin_id == "wp:7002"
    assert comments["dsq:90010"].origin_id == "wp:7101"
    assert comments["wp:7101"].origin_alias == "dsq:90010"
    # A Disqus-only reply to a synced comment hangs under the WordPress comment.
    reply = comments["dsq:90003"]
    assert reply.parent == comments["wp:7002"] and reply.depth == 2


def test_a_copy_imported_first_is_taken_over_by_its_wordpress_original():
    import_disqus(DISQUS)  # nothing to match yet: its threads are kept unattached
    import_wordpress(WXR)
    post = Post.objects.get(slug="lighthouse-logbook")
    thread = UnattachedThread.objects.get(source_id="5001")
    attach(thread, post)
    comments = by_origin()
    before = Comment.objects.count()
    import_wordpress(WXR)  # WordPress again: the copies are recognised, not duplicated
    assert Comment.objects.count() == before
    merged = comments["dsq:90001"]
    merged.refresh_from_db()
    assert (merged.origin_id, merged.origin_alias) == ("wp:7001", "dsq:90001")
    assert Comment.objects.filter(post=post, body__contains="grandfather").count() == 1


def test_unmatched_threads_are_kept_with_statuses_and_listed_in_the_admin(login, admin_user):
    import_wordpress(WXR)
    import_disqus(DISQUS)
    august = UnattachedThread.objects.get(source="disqus", source_id="5005")
    assert august.title == "Tide tables for August" and august.state == "open"
    assert "match no post" in august.reason
    statuses = {c["origin_id"]: c["status"] for c in august.comments}
    assert statuses == {"dsq:90040": "public", "dsq:90041": "removed", "dsq:90042": "spam"}
    nowhere = UnattachedThread.objects.get(source_id="5999")
    assert "no <thread> entry" in nowhere.reason and nowhere.comment_count == 1
    page = login(admin_user).get(ADMIN).content.decode()
    assert "Tide tables for August" in page and "Old harbour map" in page


def test_an_administrator_attaches_a_thread_to_a_post(login, admin_user, client):
    import_wordpress(WXR)
    import_disqus(DISQUS)
    post = Post.objects.get(slug="fog-signals")
    numbers_before = set(post.comments.values_list("number", flat=True))
    thread = UnattachedThread.objects.get(source_id="5005")
    admin = login(admin_user)
    form = admin.get(f"{ADMIN}{thread.pk}/change/").content.decode()
    assert "Low water at 6:12" in form and "dsq:90041" in form  # the comments, as imported
    response = admin.post(f"{ADMIN}{thread.pk}/change/", {"post": post.pk})
    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.post == post and thread.attached_at is not None
    placed = {c.origin_id: c for c in post.comments.filter(origin_id__startswith="dsq:900")}
    assert {"dsq:90040", "dsq:90041", "dsq:90042"} <= set(placed)
    assert placed["dsq:90041"].parent == placed["dsq:90040"]
    assert placed["dsq:90040"].number == max(n for n in numbers_before if n) + 1  # numbered after
    assert placed["dsq:90041"].status == "removed" and placed["dsq:90042"].status == "spam"
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Low water at 6:12" in page and "Discount anchors" not in page
    # Importing the Disqus file again puts that thread's comments on the same post, once.
    report = import_disqus(DISQUS)
    assert post.comments.count() == len(numbers_before) + 3
    assert report.counts["disqus_posts_unattached"] == 3  # the other threads only


def test_an_administrator_creates_a_post_for_a_thread(login, admin_user):
    import_wordpress(WXR)
    import_disqus(DISQUS)
    thread = UnattachedThread.objects.get(source_id="5005")
    response = login(admin_user).post(
        ADMIN, {"action": "create_posts", "_selected_action": [thread.pk]}
    )
    assert response.status_code == 302
    thread.refresh_from_db()
    post = thread.post
    assert post is not None and post.title == "Tide tables for August"
    assert post.status == Post.Status.DRAFT and post.author == admin_user
    assert post.comments.count() == 3
    # The thread's old address now leads to the new post.
    assert post.legacy_urls.filter(path="/2013/08/tide-tables-for-august/").exists()


def test_closed_threads_close_their_post_and_deleted_threads_are_kept_back():
    import_wordpress(WXR)
    assert Post.objects.get(slug="winter-closures").comments_open
    report = import_disqus(DISQUS)
    assert report.counts["posts_closed"] == 1
    assert not Post.objects.get(slug="winter-closures").comments_open
    assert Post.objects.get(slug="winter-closures").comments.get().origin_id == "dsq:90020"
    deleted = UnattachedThread.objects.get(source_id="5004")
    harbour_map = Post.objects.get(slug="old-harbour-map")
    assert deleted.state == "deleted" and deleted.suggested_post == harbour_map
    assert not harbour_map.comments.exists()  # nothing of a deleted thread goes public
    # A comments switch an editor turns back on here is not undone by the same file again.
    Post.objects.filter(slug="winter-closures").update(comments_open=True)
    import_disqus(DISQUS)
    assert Post.objects.get(slug="winter-closures").comments_open


def test_a_reimport_changes_nothing():
    import_wordpress(WXR)
    import_disqus(DISQUS)
    rows = sorted(Comment.objects.values_list("id", "origin_id", "origin_alias", "number"))
    kept = sorted(UnattachedThread.objects.values_list("source_id", "comment_count"))
    report = import_disqus(DISQUS)
    assert report.counts["comments_added"] == report.counts["comments_updated"] == 0
    assert sorted(Comment.objects.values_list("id", "origin_id", "origin_alias", "number")) == rows
    assert sorted(UnattachedThread.objects.values_list("source_id", "comment_count")) == kept
    assert import_wordpress(WXR).counts["comments_updated"] == 0


@override_settings(BYLINE_PAGE_CACHE=False)
def test_a_reply_to_a_missing_comment_keeps_its_parent_and_says_so(client):
    import_wordpress(WXR)
    import_disqus(DISQUS)
    comments = by_origin()
    wordpress_orphan, disqus_orphan = comments["wp:7004"], comments["dsq:90004"]
    assert (wordpress_orphan.parent, wordpress_orphan.missing_parent) == (None, "wp:7999")
    assert (disqus_orphan.parent, disqus_orphan.missing_parent) == (None, "dsq:89999")
    assert comments["wp:7002"].missing_parent is None
    page = client.get(Post.objects.get(slug="lighthouse-logbook").get_absolute_url())
    assert page.content.decode().count("In reply to a comment that is no longer here.") == 2


def test_a_missing_parent_that_arrives_later_takes_its_reply_back(tmp_path):
    text = WXR.read_text(encoding="utf-8")
    import_wordpress(WXR)
    orphan = Comment.objects.get(origin_id="wp:7004")
    assert orphan.missing_parent == "wp:7999"
    # A newer export where the comment it answered is there (7003 under its real id).
    found = text.replace(
        "<wp:comment_id>7003</wp:comment_id>", "<wp:comment_id>7999</wp:comment_id>"
    )
    newer = tmp_path / "newer.xml"
    newer.write_text(found, encoding="utf-8")
    import_wordpress(newer)
    orphan.refresh_from_db()
    assert orphan.missing_parent is None
    assert orphan.parent is not None and orphan.parent.origin_id == "wp:7999"
