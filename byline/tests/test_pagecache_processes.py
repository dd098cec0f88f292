"""The page cache across real processes: two `byline serve` servers share one site, and a change
made by a third process (a moderator's approval, an editor's settings change) shows at once
through both — with the shared cache in files (one machine, no Redis) and in Redis.

The site lives in its own throwaway database (SQLite in a temporary folder, or a PostgreSQL
database created for the test when the suite runs on PostgreSQL), since the servers are separate
processes that cannot see the test's own transaction.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
BYLINE = str(Path(sys.executable).with_name("byline"))
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

SEED = """
from django.contrib.auth.models import Group
from byline.accounts.models import User
from byline.accounts.roles import AUTHOR, MODERATOR
from byline.discussion.models import DiscussionSettings
from byline.discussion.services import post_comment, validate_submission
from byline.publishing.models import Post
from byline.publishing.services import save_post
from django.utils import timezone
author = User.objects.create_user("writer", "w@example.org", None, display_name="Writer")
author.groups.add(Group.objects.get(name=AUTHOR))
mod = User.objects.create_user("mod", "m@example.org", None)
mod.groups.add(Group.objects.get(name=MODERATOR))
post = save_post(Post(title="Across processes", slug="across", body="Body.",
                      status="published", published_at=timezone.now()), by=author)
rules = DiscussionSettings.current(); rules.hold_new_comments = True; rules.save()
s = validate_submission(post, body="Waiting in the queue", name="Guest", email="g@example.org")
post_comment(s, ip_address="127.0.0.1", outcome="hold")
print(post.get_absolute_url())
"""

APPROVE = """
from byline.accounts.models import User
from byline.discussion.models import Comment
from byline.moderation import actions
actions.approve(Comment.objects.get(body="Waiting in the queue"), by=User.objects.get(username="mod"))
"""

SETTING = """
from byline.discussion.models import DiscussionSettings
rules = DiscussionSettings.current(); rules.hold_new_comments = False; rules.save()
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database(tmp: Path) -> Iterator[str]:
    test_url = os.environ.get("DATABASE_URL", "")
    if not test_url.startswith(("postgres", "pgsql")):
        yield f"sqlite:///{tmp}/site.sqlite3"
        return
    import psycopg

    name = f"byline_pc_{os.getpid()}_{secrets.token_hex(3)}"
    parts = urlsplit(test_url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _get(url: str) -> tuple[str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our servers
        return response.headers.get("X-Byline-Cache", ""), response.read()


@pytest.fixture(params=["files", "redis"])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[dict[str, str], str]]:
    databases = _database(tmp_path)
    env = {
        **os.environ,
        "BYLINE_ENV": "development",
        "SECRET_KEY": secrets.token_hex(32),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "BYLINE_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": next(databases),
        "LOG_LEVEL": "ERROR",
    }
    env.pop("REDIS_URL", None)
    if request.param == "redis":
        env["REDIS_URL"] = REDIS_URL
        env["CACHE_KEY_PREFIX"] = f"byline-pc-{secrets.token_hex(4)}"
    subprocess.run([BYLINE, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    seeded = subprocess.run(
        [BYLINE, "shell", "-c", SEED], env=env, check=True, cwd=ROOT, capture_output=True, text=True
    )
    path = seeded.stdout.strip().splitlines()[-1]
    yield env, path
    if request.param == "redis":
        subprocess.run([BYLINE, "shell", "-c", "from byline.core import pagecache; pagecache.clear()"],
                       env=env, check=False, cwd=ROOT)  # fmt: skip
    for _ in databases:
        pass


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [BYLINE, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--no-migrate"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            _get(f"http://127.0.0.1:{port}/")
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise AssertionError("byline serve did not start")


def _stop(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, 15)
    server.wait(timeout=10)


def test_a_change_in_one_process_shows_at_once_through_the_others(site):
    env, path = site
    ports = [_free_port(), _free_port()]
    servers = [_serve(env, port) for port in ports]
    try:
        urls = [f"http://127.0.0.1:{port}{path}" for port in ports]
        for url in urls:  # both processes hold the page, in the shared cache and in memory
            for _ in range(3):
                state, body = _get(url)
            assert state == "hit" and b"Waiting in the queue" not in body
        subprocess.run([BYLINE, "shell", "-c", APPROVE], env=env, check=True, cwd=ROOT)
        for url in urls:
            state, body = _get(url)
            assert state == "miss" and b"Waiting in the queue" in body
            assert _get(url)[0] == "hit"
        subprocess.run([BYLINE, "shell", "-c", SETTING], env=env, check=True, cwd=ROOT)
        for url in urls:
            state, body = _get(url)
            assert state == "miss" and b"checked by a moderator before they appear" not in body
    finally:
        for server in servers:
            _stop(server)


MOD_PASSWORD = "across-processes-pw-41"
SET_MOD_PASSWORD = f"""
from byline.accounts.models import User
mod = User.objects.get(username="mod"); mod.set_password("{MOD_PASSWORD}"); mod.save()
"""
PENDING_PK = """
from byline.discussion.models import Comment
print(Comment.objects.get(body="Waiting in the queue").pk)
"""


class _Browser:
    """A cookie-keeping HTTP client; cookies are per host, so both servers (two ports of
    127.0.0.1) see one browser, as they would behind one load balancer."""

    def __init__(self) -> None:
        import http.cookiejar

        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def token(self, base: str) -> str:
        import json

        with self.opener.open(f"{base}/session/csrf/", timeout=10) as response:
            return str(json.loads(response.read())["csrfToken"])

    def post(self, url: str, data: dict[str, str]) -> int:
        from urllib.error import HTTPError
        from urllib.parse import urlencode

        request = urllib.request.Request(url, data=urlencode(data).encode(), method="POST")  # noqa: S310 - our servers
        request.add_header("Referer", url)
        try:
            with self.opener.open(request, timeout=10) as response:
                return int(response.status)
        except HTTPError as error:
            return int(error.code)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


@pytest.mark.parametrize("site", ["redis"], indirect=True)
def test_rate_limits_and_moderation_hold_across_processes(site):
    """With Redis, one reader cannot get round the per-address comment limit by alternating
    servers, and a moderator's approval through one server shows through the other at once."""
    env, path = site
    subprocess.run([BYLINE, "shell", "-c", SET_MOD_PASSWORD], env=env, check=True, cwd=ROOT)
    pending = subprocess.run(
        [BYLINE, "shell", "-c", PENDING_PK], env=env, check=True, cwd=ROOT,
        capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
    ports = [_free_port(), _free_port()]
    servers = [_serve(env, port) for port in ports]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        reader = _Browser()
        token = reader.token(bases[0])
        post_id = subprocess.run(
            [BYLINE, "shell", "-c", "from byline.publishing.models import Post; "
             "print(Post.objects.get(slug='across').pk)"],
            env=env, check=True, cwd=ROOT, capture_output=True, text=True,
        ).stdout.strip().splitlines()[-1]  # fmt: skip
        codes = []
        for n in range(6):  # the limit is 5 a minute per address, counted in Redis
            base = bases[n % 2]
            codes.append(
                reader.post(
                    f"{base}/comments/post/{post_id}/",
                    {
                        "csrfmiddlewaretoken": token,
                        "body": f"Comment number {n} across servers.",
                        "name": "Reader",
                        "email": "reader@example.org",
                    },
                )
            )
        assert codes[:5] == [303] * 5, codes
        assert codes[5] == 429, codes

        moderator = _Browser()
        token = moderator.token(bases[0])
        signed_in = moderator.post(
            f"{bases[0]}/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": "mod", "password": MOD_PASSWORD},
        )
        assert signed_in == 302
        token = moderator.token(bases[0])  # rotated at sign-in
        for _ in range(2):  # the page is cached by the other server
            state, body = _get(f"{bases[1]}{path}")
        assert state == "hit" and b"Waiting in the queue" not in body
        approved = moderator.post(
            f"{bases[0]}/moderation/comments/{pending}/approve/", {"csrfmiddlewaretoken": token}
        )
        assert approved == 303
        state, body = _get(f"{bases[1]}{path}")
        assert b"Waiting in the queue" in body, state
    finally:
        for server in servers:
            _stop(server)
