"""The larger body limit for archive uploads is for administrators only, decided before
anything (Django's CSRF check included) reads the body."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.utils import override_settings

pytestmark = pytest.mark.django_db

UPLOAD = "/admin/migration/importrun/upload/"
BIG = b"<rss><!-- " + b"x" * 400_000 + b" --></rss>"


def _with_csrf(client: Client) -> dict[str, str]:
    page = client.get("/accounts/login/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    return {"csrfmiddlewaretoken": token.group(1)}


@pytest.mark.parametrize("who", ["stranger", "editor", "reader"])
def test_a_large_body_from_anyone_but_an_administrator_is_refused_unread(
    who, login, editor, reader, tmp_path
):
    client = (
        Client(enforce_csrf_checks=True)
        if who == "stranger"
        else login(editor if who == "editor" else reader)
    )
    data = {
        **_with_csrf(client),
        "kind": "wordpress",
        "archive": SimpleUploadedFile("big.xml", BIG, content_type="text/xml"),
    }
    with override_settings(FILE_UPLOAD_TEMP_DIR=str(tmp_path), FILE_UPLOAD_MAX_MEMORY_SIZE=1):
        response = client.post(UPLOAD, data)
    assert response.status_code == 413
    assert "Nothing was saved" in response.content.decode()
    assert list(tmp_path.iterdir()) == []  # the body was never parsed into a temporary file


def test_an_administrator_may_send_an_archive_past_the_form_limit(login, admin_user):
    response = login(admin_user).post(
        UPLOAD, {"kind": "wordpress", "archive": SimpleUploadedFile("big.xml", BIG)}
    )
    assert response.status_code != 413
