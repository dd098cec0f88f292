"""Import runs recover (issue 10): a run whose process died (kill -9) is recognised by its
process id and heartbeat and marked failed, saying why, so the next import proceeds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from byline.migration.models import ImportRun
from byline.migration.runs import Heartbeat, execute, heartbeat_path, reap, this_host, why_dead
from byline.publishing.models import Post

FIXTURE = Path(__file__).parent / "fixtures" / "commentary.wxr"
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _own_var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path  # progress and heartbeat files of this test only


def sleeper() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])


def running(pid: int, **fields: object) -> ImportRun:
    values: dict[str, object] = {"host": this_host(), "heartbeat_at": timezone.now(), **fields}
    return ImportRun.objects.create(
        kind="wordpress", file_name="killed.xml", state="running", pid=pid, **values
    )


def another() -> ImportRun:
    return ImportRun.objects.create(kind="wordpress", file_name="next.xml", file_path=str(FIXTURE))


@pytest.mark.django_db
def test_an_import_whose_process_was_killed_no_longer_blocks_the_next_one():
    proc = sleeper()
    try:
        stuck = running(proc.pid)
        refused = another()
        assert execute(refused) is None  # its process is alive: a real import is running
        refused.refresh_from_db()
        assert "still running" in refused.error
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert execute(another()) is not None  # the next import proceeds
    finally:
        proc.kill()
        proc.wait()
    stuck.refresh_from_db()
    assert stuck.state == "failed" and stuck.finished_at is not None
    assert f"its process ({proc.pid}) is no longer running" in stuck.error
    assert "Nothing of it was imported" in stuck.error
    assert Post.objects.count() == 1


@pytest.mark.django_db
def test_a_killed_process_its_parent_never_collected_counts_as_dead():
    # The admin starts imports and never waits for them: a killed one lingers as a zombie.
    proc = sleeper()
    try:
        run = running(proc.pid)
        assert why_dead(run) is None
        os.kill(proc.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while why_dead(run) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert why_dead(run) in (
            f"its process ({proc.pid}) has exited",
            f"its process ({proc.pid}) is no longer running",
        )
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.django_db
def test_a_run_elsewhere_or_with_a_reused_pid_is_judged_by_its_heartbeat(settings):
    settings.BYLINE_IMPORT_STALE_MINUTES = 10
    old = timezone.now() - timedelta(minutes=30)
    fresh = running(12345, host="db-worker-2")
    assert why_dead(fresh) is None  # another machine, recent heartbeat: alive
    silent = running(12345, host="db-worker-2", heartbeat_at=old)
    ImportRun.objects.filter(pk=silent.pk).update(created_at=old)
    silent.refresh_from_db()
    assert "no sign of life from its process on db-worker-2" in (why_dead(silent) or "")
    # Here, a live process under the recorded pid but no heartbeat for 30 minutes: not ours.
    reused = running(os.getpid(), heartbeat_at=old)
    ImportRun.objects.filter(pk=reused.pk).update(created_at=old)
    reused.refresh_from_db()
    assert why_dead(reused) is not None
    assert {r.pk for r in reap()} == {silent.pk, reused.pk}


@pytest.mark.django_db
def test_a_queued_run_that_never_started_is_failed_after_a_while(settings):
    run = ImportRun.objects.create(kind="disqus", file_name="q.xml")
    assert why_dead(run) is None
    ImportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(hours=1))
    reap()
    run.refresh_from_db()
    assert run.state == "failed" and "never started" in run.error


@pytest.mark.django_db
def test_the_heartbeat_is_kept_while_the_import_runs():
    run = running(os.getpid())
    path = heartbeat_path(run)
    with Heartbeat(run, every=0.05):
        first = path.stat().st_mtime_ns
        time.sleep(0.3)
        assert path.stat().st_mtime_ns > first
    assert not path.exists()


@pytest.mark.django_db
def test_the_admin_shows_a_dead_run_as_failed(login, admin_user):
    proc = sleeper()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    run = running(proc.pid)
    page = login(admin_user).get(f"/admin/migration/importrun/{run.pk}/progress/")
    assert "This import stopped without finishing" in page.content.decode()
    run.refresh_from_db()
    assert run.state == "failed"


def _big_wxr(path: Path, posts: int = 400, comments: int = 40) -> None:
    """An export slow enough to kill in the middle (invented text)."""
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>Slow</title>'
            "<link>https://slow.example.org</link>"
        )
        for p in range(1, posts + 1):
            out.write(
                f"<item><title>Slow post {p}</title><wp:post_id>{p}</wp:post_id>"
                f"<wp:post_name>slow-{p}</wp:post_name><wp:status>publish</wp:status>"
                "<wp:post_type>post</wp:post_type>"
                "<wp:post_date_gmt>2011-01-01 10:00:00</wp:post_date_gmt>"
                "<content:encoded><![CDATA[Tide came in, tide went out.]]></content:encoded>"
            )
            for c in range(1, comments + 1):
                out.write(
                    f"<wp:comment><wp:comment_id>{p * 1000 + c}</wp:comment_id>"
                    "<wp:comment_author>Reader</wp:comment_author>"
                    "<wp:comment_date_gmt>2011-01-02 10:00:00</wp:comment_date_gmt>"
                    "<wp:comment_content>Seen it.</wp:comment_content>"
                    "<wp:comment_approved>1</wp:comment_approved></wp:comment>"
                )
            out.write("</item>")
        out.write("</channel></rss>")


@pytest.mark.django_db(transaction=True)
def test_a_real_byline_import_killed_with_kill_9_then_the_next_import(tmp_path):
    """``byline import`` in its own process, killed mid-import; then an import here."""
    if connection.vendor != "postgresql":
        pytest.skip("the test database must be reachable from another process (PostgreSQL)")
    big = tmp_path / "slow.xml"
    _big_wxr(big)
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "BYLINE_VAR_DIR": str(tmp_path)}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "byline.cli", "import", "wordpress", str(big), "--quiet"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not ImportRun.objects.filter(state="running").exists():
            assert proc.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.5)  # well into the import's transaction
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        call_command("import", "wordpress", str(FIXTURE), "--quiet")
    finally:
        proc.kill()
        proc.wait()
    killed = ImportRun.objects.get(file_name="slow.xml")
    assert killed.state == "failed" and "no longer running" in killed.error
    assert ImportRun.objects.get(file_name="commentary.wxr").state == "finished"
    assert not Post.objects.filter(slug__startswith="slow-").exists()  # all or nothing
