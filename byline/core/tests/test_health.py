"""/healthz, /readyz and `byline doctor` (core.health, core.probes)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import OperationalError
from django.urls import resolve

from byline.core import health, pagecache


@pytest.fixture(autouse=True)
def _fresh_migration_memo():
    health._settled.clear()
    yield
    health._settled.clear()


def test_healthz_answers_without_the_database_the_cache_or_an_allowed_host(stranger, monkeypatch):
    """No ``db`` fixture: any query would raise."""

    def no_cache(*args, **kwargs):
        raise AssertionError("/healthz must not touch the page cache")

    with monkeypatch.context() as patch:  # undone before the conftest clears the caches
        patch.setattr(pagecache, "store", no_cache)
        response = stranger.get("/healthz", HTTP_HOST="10.1.2.3")  # not in ALLOWED_HOSTS
        assert response.status_code == 200
        assert response.content == b"ok\n"
        assert response["Content-Type"].startswith("text/plain")
        assert response["Cache-Control"] == "no-store"
        assert stranger.head("/healthz").status_code == 200
        assert stranger.post("/healthz").status_code == 405


def test_readyz_reports_every_check(db, stranger):
    response = stranger.get("/readyz", HTTP_HOST="10.1.2.3")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations", "cache:default", "cache:shared"}
    assert all(check["status"] == "ok" for check in body["checks"].values())
    assert body["checks"]["migrations"]["detail"].startswith("all ")
    # Again, from the remembered migration state: one query to see nothing changed.
    assert stranger.get("/readyz").json()["status"] == "ok"


def test_a_cache_that_does_not_answer_degrades_without_failing(db, stranger, monkeypatch):
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    class Down(LocMemCache):
        def set(self, *args, **kwargs):
            raise ConnectionError("Error 111 connecting to redis.internal:6379")

    down = Down("down", {})
    monkeypatch.setattr(health, "caches", {"default": caches["default"], "shared": down})
    response = stranger.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["cache:shared"] == {
        "status": "degraded",
        "detail": "Down does not answer",
    }
    assert "redis.internal" not in response.content.decode()  # no addresses for strangers


def test_migrations_not_applied_fail_readiness(db, stranger):
    MigrationRecorder(connection).record_unapplied("admin", "0003_logentry_add_action_flag_choices")
    response = stranger.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["migrations"] == {
        "status": "fail",
        "detail": "1 not applied: run `byline migrate`",
    }


def test_a_database_that_does_not_answer_fails_readiness(db, stranger, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise OperationalError("connection to server at 10.0.0.5 failed")

    with monkeypatch.context() as patch:  # undone before the test's transaction rolls back
        patch.setattr(BaseDatabaseWrapper, "cursor", refuse)
        response = stranger.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"]["status"] == "fail"
    assert body["checks"]["migrations"]["status"] == "fail"
    assert "10.0.0.5" not in response.content.decode()


def test_the_routes_exist_before_the_catch_all():
    assert resolve("/healthz").url_name == "healthz"
    assert resolve("/readyz").url_name == "readyz"


def run_doctor() -> str:
    out = io.StringIO()
    call_command("doctor", stdout=out, no_color=True)
    return out.getvalue()


def test_doctor_on_a_sound_development_site(db):
    output = run_doctor()
    assert "Readiness (what /readyz answers): ok" in output
    assert "database: " in output and "migrations: all " in output


def test_doctor_names_settings_problems_in_plain_words(db, settings):
    settings.PRODUCTION = True
    settings.DEBUG = True
    settings.SECRET_KEY = "changeme"
    settings.ALLOWED_HOSTS = []
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    out = io.StringIO()
    with pytest.raises(CommandError, match="3 thing\\(s\\) to fix"):
        call_command("doctor", stdout=out, no_color=True)
    output = out.getvalue()
    assert "DEBUG is on in production" in output
    assert "SECRET_KEY is a well-known placeholder" in output
    assert "ALLOWED_HOSTS is empty" in output
    assert "Email goes to the console backend in production" in output
    # Problems are listed before warnings.
    assert output.index("ALLOWED_HOSTS is empty") < output.index("Email goes to")


def test_doctor_fails_when_the_database_is_not_ready(db, monkeypatch):
    MigrationRecorder(connection).record_unapplied("admin", "0003_logentry_add_action_flag_choices")
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 thing\\(s\\) to fix"):
        call_command("doctor", stdout=out, no_color=True)
    assert "not applied: admin.0003_logentry_add_action_flag_choices" in out.getvalue()


def test_weak_secret_keys():
    assert health._secret_key_weakness("django-insecure-abc") == "is a well-known placeholder"
    assert "characters long" in health._secret_key_weakness("x" * 20)
    assert health._secret_key_weakness("a" * 60) == "repeats the same few characters"
    assert health._secret_key_weakness("Kp3" + "-".join("abcdefghijklmnop") * 2) == ""
