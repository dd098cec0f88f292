"""A strict Content-Security-Policy and friends on every page, and `check --deploy` clean with
the production environment docs/deployment.md documents."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from byline.publishing.models import Post

ROOT = Path(__file__).resolve().parents[3]


def _directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


@pytest.mark.django_db
@pytest.mark.parametrize("cached", [False, True])
def test_every_page_kind_carries_a_strict_policy(post: Post, cached: bool) -> None:
    client = Client()
    paths = [post.get_absolute_url(), "/", "/feed/", "/accounts/login/", "/admin/login/", "/nope/"]
    for path in paths:
        if cached:
            client.get(path)  # the second answer comes from the page cache
        response = client.get(path)
        policy = _directives(response["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"], path  # no inline script, no eval
        assert policy["style-src"] == ["'self'"], path
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
        assert "camera=()" in response["Permissions-Policy"], path
        assert response["Referrer-Policy"] == "same-origin", path


def test_no_template_carries_inline_script_or_style() -> None:
    for template in (ROOT / "byline" / "templates").rglob("*.html"):
        source = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source), template
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", source), template


def test_check_deploy_is_clean_with_the_documented_production_environment(tmp_path: Path) -> None:
    secret = tmp_path / "secret_key"
    secret.write_text("x" * 64 + "-a-long-random-production-secret-for-the-test")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "BYLINE_"))},
        "BYLINE_ENV": "production",
        "SECRET_KEY_FILE": str(secret),
        "ALLOWED_HOSTS": "blog.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://blog.example.org",
        "BEHIND_TLS_PROXY": "true",
        "BYLINE_PROXY_COUNT": "1",
        "BYLINE_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'byline.sqlite3'}",
    }
    documented = (ROOT / "docs" / "deployment.md").read_text()
    for name in ("BYLINE_ENV", "SECRET_KEY_FILE", "ALLOWED_HOSTS", "BEHIND_TLS_PROXY"):
        assert f"export {name}=" in documented  # the test's environment is the documented one
    result = subprocess.run(
        [sys.executable, "-m", "byline.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
