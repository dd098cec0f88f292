"""Redis going away mid-life: pages keep serving from the database, comment posting refuses
with "try again" and keeps the text, signing in keeps working, and Redis coming back is used
again. A real redis-server of the test's own, stopped and started."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import Client
from django.test.utils import override_settings

from byline.conftest import PASSWORD
from byline.core import cache as forgiving
from byline.discussion.models import Comment

pytestmark = pytest.mark.django_db
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Redis:
    def __init__(self, port: int, tmp: Path) -> None:
        self.port, self.tmp = port, tmp
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.tmp)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def redis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Redis]:
    server = Redis(_free_port(), tmp_path)
    server.start()
    backend = {
        "BACKEND": "byline.core.cache.ForgivingRedisCache",
        "LOCATION": f"redis://127.0.0.1:{server.port}/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
    }
    monkeypatch.setattr(forgiving, "RETRY_AFTER", 0.5)
    monkeypatch.setattr(forgiving, "_down_until", 0.0)
    with override_settings(
        CACHES={"default": {**backend, "KEY_PREFIX": "d"}, "shared": {**backend, "KEY_PREFIX": "s"}}
    ):
        for alias in ("default", "shared"):
            caches[alias].clear()
        yield server
    server.stop()


def test_pages_keep_serving_and_comments_wait_while_redis_is_down(
    redis: Redis, post, add_comment, admin_user, caplog: pytest.LogCaptureFixture
) -> None:
    add_comment(post, "Before the outage.")
    reader = Client()
    assert reader.get(post.get_absolute_url()).status_code == 200  # cached in Redis

    redis.stop()
    with caplog.at_level(logging.WARNING, logger="byline.core.cache"):
        started = time.monotonic()
        for path in (post.get_absolute_url(), "/", "/feed/", "/accounts/login/"):
            response = Client().get(path)
            assert response.status_code == 200, path
        assert "Before the outage." in Client().get(post.get_absolute_url()).content.decode()
        assert time.monotonic() - started < 10  # one timeout per window, not one per call
    assert any("Redis did not answer" in r.message for r in caplog.records)

    text = "Typed while Redis was down; it must come back to me whole."
    response = Client().post(
        f"/comments/post/{post.pk}/",
        {"body": text, "name": "Reader", "email": "reader@example.org"},
    )
    assert response.status_code == 429
    page = response.content.decode()
    assert "briefly unavailable" in page and text in page
    assert not Comment.objects.filter(body=text).exists()

    signed_in = Client().post(
        "/accounts/login/", {"username": admin_user.username, "password": PASSWORD}
    )
    assert signed_in.status_code == 302  # sign-in limits fail open: moderators get in

    redis.start()
    time.sleep(0.6)  # past RETRY_AFTER: the cache is tried again
    caches["default"].set("probe", 1)
    assert caches["default"].get("probe") == 1
    response = Client().post(
        f"/comments/post/{post.pk}/",
        {"body": text, "name": "Reader", "email": "reader@example.org"},
    )
    assert response.status_code in (302, 303)
    assert Comment.objects.filter(body=text).exists()
