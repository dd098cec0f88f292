"""Settings from the environment: clear errors, generated local secret, production rules."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from byline.core.env import env_bool, env_int, env_list, secret_key


def test_env_bool_accepts_the_usual_spellings():
    assert env_bool("X", False, {"X": "Yes"}) is True
    assert env_bool("X", True, {"X": "off"}) is False
    assert env_bool("X", True, {}) is True


def test_env_bool_rejects_typos_by_name():
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be one of"):
        env_bool("DEBUG", False, {"DEBUG": "ture"})


def test_env_int_bounds_and_words():
    assert env_int("N", 5, environ={"N": " 7 "}) == 7
    with pytest.raises(ImproperlyConfigured, match="N must be a whole number; it is 'ten'"):
        env_int("N", 5, environ={"N": "ten"})
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("N", 5, minimum=1, environ={"N": "0"})


def test_env_list_splits_and_trims():
    assert env_list("H", ["a"], {"H": " x.org, ,y.org "}) == ["x.org", "y.org"]
    assert env_list("H", ["a"], {}) == ["a"]


def test_local_secret_is_generated_once_and_kept(tmp_path: Path):
    first = secret_key(tmp_path, production=False, environ={})
    assert len(first) > 40
    assert secret_key(tmp_path, production=False, environ={}) == first
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


def test_production_requires_a_secret(tmp_path: Path):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is required"):
        secret_key(tmp_path, production=True, environ={})
    assert secret_key(tmp_path, production=True, environ={"SECRET_KEY": "s"}) == "s"
    key_file = tmp_path / "key"
    key_file.write_text("from-file\n")
    assert secret_key(tmp_path, True, {"SECRET_KEY_FILE": str(key_file)}) == "from-file"


def _start(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `byline check` in a clean environment with ``env`` set."""
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    base.update({"BYLINE_VAR_DIR": str(tmp_path / "var"), **env})
    return subprocess.run(
        [sys.executable, "-m", "byline.cli", "check"],
        env=base,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )


def test_start_up_explains_bad_configuration(tmp_path: Path):
    result = _start(tmp_path, DEBUG="maybe")
    assert result.returncode == 2
    assert "configuration error: DEBUG must be one of" in result.stderr
    assert "Traceback" not in result.stderr

    result = _start(tmp_path, BYLINE_ENV="production", ALLOWED_HOSTS="blog.example.org")
    assert result.returncode == 2 and "SECRET_KEY is required" in result.stderr

    result = _start(tmp_path, BYLINE_ENV="production", SECRET_KEY="x" * 50)
    assert result.returncode == 2 and "ALLOWED_HOSTS is required" in result.stderr

    result = _start(tmp_path, DATABASE_URL="mysql://root@localhost/x")
    assert result.returncode == 2 and "SQLite or PostgreSQL" in result.stderr


def test_default_database_is_sqlite_under_var(tmp_path: Path):
    result = _start(tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "var" / "secret_key").exists()
