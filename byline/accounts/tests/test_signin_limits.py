"""Guessing passwords: growing waits per account name and per address, the same answer for
names that exist and names that do not, on the site's sign-in and the admin's."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from byline.accounts import signin
from byline.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOCKED = "Too many wrong passwords"


def _try(client: Client, path: str, username: str, password: str) -> tuple[int, str]:
    response = client.post(path, {"username": username, "password": password})
    return response.status_code, response.content.decode()


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_five_wrong_passwords_lock_the_account_name_even_for_the_right_one(path, admin_user):
    client = Client()
    for _ in range(signin.PER_NAME_EVERY):
        status, page = _try(client, path, admin_user.username, "wrong")
        assert status == 200 and LOCKED not in page
    status, page = _try(client, path, admin_user.username, PASSWORD)
    assert status == 200, "the right password must wait out the lock too"
    assert LOCKED in page and "30 seconds" in page
    assert "_auth_user_id" not in client.session
    # Another account from another address is not affected.
    other = Client(REMOTE_ADDR="192.0.2.99")
    status, _ = _try(other, "/accounts/login/", "someone-else", "wrong")
    assert status == 200


def test_known_and_unknown_names_get_the_same_answers(admin_user):
    def answers(username: str, address: str) -> list[str]:
        client = Client(REMOTE_ADDR=address)
        texts = []
        for _ in range(signin.PER_NAME_EVERY + 1):
            _, page = _try(client, "/accounts/login/", username, "wrong")
            error = re.search(r'<div class="errors" role="alert">(.*?)</div>', page, re.S)
            texts.append(error.group(1).strip() if error else "")
        return texts

    assert answers(admin_user.username, "192.0.2.1") == answers("nobody-here", "192.0.2.2")


def test_the_right_password_clears_the_count_and_signs_in(admin_user):
    client = Client()
    for _ in range(signin.PER_NAME_EVERY - 1):
        _try(client, "/accounts/login/", admin_user.username, "wrong")
    response = client.post(
        "/accounts/login/", {"username": admin_user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert signin.wait_seconds(None, admin_user.username) == 0
    for _ in range(signin.PER_NAME_EVERY - 1):  # a fresh count: four more do not lock
        _, page = _try(Client(), "/accounts/login/", admin_user.username, "wrong")
        assert LOCKED not in page


def test_the_waits_grow_and_stop_at_an_hour():
    waits = [signin.lock_length(n, 5) for n in range(1, 60)]
    locks = [w for w in waits if w]
    assert locks[:4] == [30, 60, 120, 240]
    assert locks == sorted(locks) and max(locks) == 3600
    assert waits[:4] == [0, 0, 0, 0]


def test_one_address_trying_many_names_is_locked_too():
    client = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(signin.PER_ADDRESS_EVERY):
        _try(client, "/accounts/login/", f"name-{n}", "wrong")
    _, page = _try(client, "/accounts/login/", "yet-another-name", "wrong")
    assert LOCKED in page
    _, page = _try(Client(REMOTE_ADDR="198.51.100.8"), "/accounts/login/", "fresh", "wrong")
    assert LOCKED not in page


def test_a_lock_ends(admin_user):
    import time

    now = time.time()
    for _ in range(signin.PER_NAME_EVERY):
        signin.failed(None, admin_user.username, now=now)
    assert 0 < signin.wait_seconds(None, admin_user.username, now=now) <= 30
    assert signin.wait_seconds(None, admin_user.username, now=now + 31) == 0
    cache.clear()


def test_sign_up_attempts_from_one_address_are_limited():
    client = Client(REMOTE_ADDR="203.0.113.5")
    codes = []
    for n in range(11):
        response = client.post(
            "/accounts/signup/",
            {"username": "admin", "email": f"p{n}@example.org", "password1": "x", "password2": "y"},
        )
        codes.append(response.status_code)
    assert codes[:10] == [400] * 10  # each one told what was wrong
    assert codes[10] == 429
    assert "Please wait" in response.content.decode() and response["Retry-After"]
