"""More ways in: Isso (its SQLite database) and Remark42 (its backup), each with our own
fixture (``isso-comments.sql``, loaded into a fresh database, and ``remark42-backup.jsonl``:
invented comments) and the same zero-loss account as Disqus."""

from __future__ import annotations

import gzip
import sqlite3
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test.utils import override_settings

from byline.discussion.models import Comment
from byline.migration.isso import import_isso
from byline.migration.models import ImportRun, UnattachedThread
from byline.migration.records import ArchiveError
from byline.migration.remark42 import import_remark42
from byline.migration.wordpress import import_wordpress
from byline.publishing.models import Post

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
WXR = FIXTURES / "wxr-disqus-synced.xml"


@pytest.fixture
def isso_db(tmp_path: Path) -> Path:
    path = tmp_path / "comments.db"
    with sqlite3.connect(path) as db:
        db.executescript((FIXTURES / "isso-comments.sql").read_text(encoding="utf-8"))
    return path


def statuses(post: Post, prefix: str) -> dict[str, str]:
    return dict(
        post.comments.filter(origin_id__startswith=prefix).values_list("origin_id", "status")
    )


def test_isso_comments_are_placed_kept_or_refused_and_they_add_up(isso_db):
    import_wordpress(WXR)
    report = import_isso(isso_db, max_item_bytes=300)
    counts = report.counts
    assert counts["isso_comments"] == 9
    assert (counts["isso_comments_placed"], counts["isso_comments_unattached"]) == (5, 3)
    assert counts["isso_comments_refused"] == 1
    assert any(
        "accounted for: 5 placed + 0 merged + 3 kept unattached + 1 refused = 9" in n
        for n in report.notes
    )
    assert any("Isso comment 6" in n and "larger than" in n for n in report.notes)
    post = Post.objects.get(slug="lighthouse-logbook")
    assert statuses(post, "isso:") == {
        "isso:1": "public", "isso:2": "public", "isso:3": "pending", "isso:4": "removed",
        "isso:5": "public",
    }  # fmt: skip
    first, deleted_parent = (Comment.objects.get(origin_id=f"isso:{n}") for n in (1, 4))
    assert first.body_format == "markdown" and "<em>museum</em>" in first.body_html
    assert first.author_url == "https://greta.example.org/" and first.ip_address == "192.0.2.0"
    reply = Comment.objects.get(origin_id="isso:5")
    assert reply.parent == deleted_parent and reply.author_url == ""  # javascript: dropped
    breakwater = UnattachedThread.objects.get(source="isso", source_id="/notes/breakwater/")
    assert breakwater.title == "Notes on the breakwater" and breakwater.comment_count == 2
    assert UnattachedThread.objects.get(source="isso", source_id="#9").comment_count == 1
    again = import_isso(isso_db, max_item_bytes=300)
    assert again.counts["comments_added"] == again.counts["comments_updated"] == 0
    assert Comment.objects.filter(origin_id__startswith="isso:").count() == 5


def test_isso_database_is_opened_read_only_and_other_files_are_refused(isso_db, tmp_path):
    before = isso_db.read_bytes()
    import_isso(isso_db)
    assert isso_db.read_bytes() == before
    not_sqlite = tmp_path / "notes.db"
    not_sqlite.write_text("just some text")
    with pytest.raises(ArchiveError, match="not an Isso database"):
        import_isso(not_sqlite)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE posts (id INTEGER)")
    with pytest.raises(ArchiveError, match="no threads and comments tables"):
        import_isso(other)


def test_remark42_backup_gzipped_or_not_with_the_same_account(tmp_path):
    import_wordpress(WXR)
    backup = tmp_path / "backup-tides-20140601.gz"
    backup.write_bytes(gzip.compress((FIXTURES / "remark42-backup.jsonl").read_bytes()))
    report = import_remark42(backup, max_item_bytes=1000)
    counts = report.counts
    assert counts["remark42_comments"] == 10  # lines after the description
    assert (
        counts["remark42_comments_placed"],
        counts["remark42_comments_unattached"],
        counts["remark42_comments_refused"],
    ) == (5, 2, 3)
    assert any("= 10." in n and "accounted for" in n for n in report.notes)
    assert any("line 9" in n and "not JSON" in n for n in report.notes)
    assert any("b1d2e3f4-0002" in n and "more than once" in n for n in report.notes)
    assert any("b1d2e3f4-0008" in n and "larger than" in n for n in report.notes)
    logbook = Post.objects.get(slug="lighthouse-logbook")
    assert statuses(logbook, "r42:") == {
        "r42:b1d2e3f4-0001": "public",  # a block that has expired hides nothing
        "r42:b1d2e3f4-0002": "public",
        "r42:b1d2e3f4-0003": "removed",  # deleted on Remark42
        "r42:b1d2e3f4-0004": "removed",  # by a user blocked there
    }
    reply = Comment.objects.get(origin_id="r42:b1d2e3f4-0002")
    assert reply.parent.origin_id == "r42:b1d2e3f4-0001" and reply.ip_address is None
    closed = Post.objects.get(slug="winter-closures")
    assert not closed.comments_open and closed.comments.count() == 1  # read-only on Remark42
    strike = UnattachedThread.objects.get(source="remark42:tides")
    assert strike.title == "Ferry strike" and strike.comment_count == 2
    plain = import_remark42(FIXTURES / "remark42-backup.jsonl", max_item_bytes=1000)
    assert plain.counts["comments_added"] == plain.counts["comments_updated"] == 0


def test_remark42_refuses_a_file_that_is_not_a_backup(tmp_path):
    wrong = tmp_path / "wrong.jsonl"
    wrong.write_text('{"hello": "world"}\n')
    with pytest.raises(ArchiveError, match="not a Remark42 backup"):
        import_remark42(wrong)
    cut = tmp_path / "cut.gz"
    cut.write_bytes(gzip.compress((FIXTURES / "remark42-backup.jsonl").read_bytes())[:300])
    with pytest.raises(ArchiveError, match="could not be read"):
        import_remark42(cut)


def test_the_command_line_imports_isso_and_remark42(isso_db, capsys):
    import_wordpress(WXR)
    call_command("import", "isso", str(isso_db), "--quiet")
    call_command("import", "remark42", str(FIXTURES / "remark42-backup.jsonl"), "--quiet")
    out = capsys.readouterr().out
    assert "isso comments placed: 6" in out and "remark42 comments placed: 6" in out
    assert ImportRun.objects.filter(state="finished").count() == 2


@override_settings(BYLINE_IMPORT_IN_BACKGROUND=False)
def test_the_admin_takes_an_isso_database(login, admin_user, isso_db):
    import_wordpress(WXR)
    upload = SimpleUploadedFile("comments.db", isso_db.read_bytes())
    login(admin_user).post(
        "/admin/migration/importrun/upload/", {"kind": "isso", "archive": upload}
    )
    run = ImportRun.objects.get()
    assert run.state == "finished", run.error
    assert run.counts["isso_comments_placed"] == 6
    wrong = SimpleUploadedFile("comments.xml", b"<x/>")
    page = login(admin_user).post(
        "/admin/migration/importrun/upload/", {"kind": "isso", "archive": wrong}
    )
    assert "database file (comments.db, or .sqlite)" in page.content.decode()
