"""Reading settings from the environment, failing loudly with words an operator understands.

Every value Byline reads from the environment goes through these helpers so that a typo in a
deployment (``DEBUG=ture``, ``BYLINE_COMMENT_MAX_LENGTH=ten``) stops start-up with a message
naming the variable, instead of being silently read as a default.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    """Return the variable's value, or ``default`` when it is unset."""
    environ = os.environ if environ is None else environ
    return environ.get(name, default)


def env_bool(name: str, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    """Parse a yes/no variable; anything that is not clearly yes or no is an error."""
    environ = os.environ if environ is None else environ
    if name not in environ:
        return default
    raw = environ[name].strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of true/false, yes/no, on/off or 1/0; it is {environ[name]!r}."
    )


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Parse a whole number within optional bounds."""
    environ = os.environ if environ is None else environ
    if name not in environ:
        return default
    raw = environ[name].strip()
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; it is {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; it is {value}.")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}; it is {value}.")
    return value


def env_list(name: str, default: list[str], environ: Mapping[str, str] | None = None) -> list[str]:
    """Parse a comma-separated list, ignoring blanks and surrounding spaces."""
    environ = os.environ if environ is None else environ
    if name not in environ:
        return list(default)
    return [item.strip() for item in environ[name].split(",") if item.strip()]


def secret_key(var_dir: Path, production: bool, environ: Mapping[str, str] | None = None) -> str:
    """Return ``SECRET_KEY``: from the environment, or generated once and kept under ``var_dir``.

    In production the key must come from the environment (or ``SECRET_KEY_FILE``): a key
    generated on one machine would differ between app servers and log everybody out.
    """
    environ = os.environ if environ is None else environ
    if environ.get("SECRET_KEY"):
        return environ["SECRET_KEY"]
    if environ.get("SECRET_KEY_FILE"):
        path = Path(environ["SECRET_KEY_FILE"])
        try:
            return path.read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"SECRET_KEY_FILE {path} cannot be read: {exc}") from None
    if production:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when BYLINE_ENV=production. Generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'` and set it in the "
            "environment of every app server."
        )
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key
