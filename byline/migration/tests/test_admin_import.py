"""Importing from the admin: upload, progress page, report; only administrators."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import override_settings

from byline.migration.models import ImportRun
from byline.publishing.models import Post

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "fixtures" / "commentary.wxr"
UPLOAD = "/admin/migration/importrun/upload/"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/xml")


@override_settings(BYLINE_IMPORT_IN_BACKGROUND=False)
def test_an_administrator_imports_an_archive_and_reads_the_report(login, admin_user, tmp_path):
    client = login(admin_user)
    assert "Import an archive" in client.get("/admin/migration/importrun/").content.decode()
    form = client.get(UPLOAD)
    assert form.status_code == 200 and b'enctype="multipart/form-data"' in form.content
    response = client.post(
        UPLOAD, {"kind": "wordpress", "archive": upload("export.xml", FIXTURE.read_bytes())}
    )
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/migration/importrun/{run.pk}/progress/"
    assert run.state == "finished" and run.created_by == admin_user
    page = client.get(response["Location"]).content.decode()
    assert "Finished" in page and "comments_added: 6" in page
    assert Post.objects.get().slug == "keepers_offer_to_help"


@override_settings(BYLINE_IMPORT_IN_BACKGROUND=False)
def test_a_broken_upload_reports_where_and_imports_nothing(login, admin_user):
    content = FIXTURE.read_bytes()[:3000]  # cut in the middle of the post
    login(admin_user).post(UPLOAD, {"kind": "wordpress", "archive": upload("cut.xml", content)})
    run = ImportRun.objects.get()
    assert run.state == "failed" and "line" in run.error and "Nothing was imported" in run.error
    page = login(admin_user).get(f"/admin/migration/importrun/{run.pk}/progress/")
    assert "Nothing was imported" in page.content.decode()
    assert Post.objects.count() == 0


def test_only_xml_files_are_accepted(login, admin_user):
    response = login(admin_user).post(
        UPLOAD, {"kind": "wordpress", "archive": upload("export.zip", b"PK")}
    )
    assert response.status_code == 200
    assert "Please upload the .xml file" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_editors_cannot_import(login, editor):
    assert login(editor).get(UPLOAD).status_code == 403


@override_settings(BYLINE_IMPORT_IN_BACKGROUND=False)
def test_archives_larger_than_a_form_may_be_uploaded(login, admin_user):
    # Pad the file past the 256 KiB form limit with an XML comment.
    content = FIXTURE.read_bytes().replace(
        b"<channel>", b"<channel><!-- " + b"x" * 400_000 + b" -->", 1
    )
    response = login(admin_user).post(
        UPLOAD, {"kind": "wordpress", "archive": upload("big.xml", content)}
    )
    assert response.status_code == 302
    assert ImportRun.objects.get().state == "finished"


def test_other_forms_still_refuse_large_bodies(stranger, post):
    response = stranger.post(
        f"/comments/post/{post.pk}/",
        {"body": "x" * 300_000, "name": "n", "email": "n@example.org"},
    )
    assert response.status_code == 413
