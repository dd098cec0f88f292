"""Imports from the admin: upload an archive, watch its progress, read its report."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.text import get_valid_filename

from byline.migration.models import Attachment, ImportedObject, ImportRun, LegacyURL
from byline.migration.progress import FileProgress
from byline.migration.runs import KINDS, execute, progress_path


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="Archive from",
        choices=[("wordpress", "WordPress (Tools › Export, .xml)"), ("disqus", "Disqus (.xml)")],
    )
    archive = forms.FileField(label="Export file")

    def clean_archive(self) -> Any:
        upload = self.cleaned_data["archive"]
        if not upload.name.lower().endswith(".xml"):
            raise forms.ValidationError("Please upload the .xml file the export gave you.")
        return upload


def start_import(run: ImportRun) -> None:
    """Run the import in its own process, so it outlives this request."""
    subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "-m", "byline.cli", "import", run.kind, run.file_path,
         "--run-id", str(run.pk), "--quiet"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin[ImportRun]):
    list_display = ("created_at", "kind", "file_name", "state", "finished_at")
    readonly_fields = (
        "kind", "file_name", "state", "total_bytes", "counts", "notes", "error", "created_by",
        "created_at", "finished_at",
    )  # fmt: skip
    exclude = ("file_path", "processed_bytes")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def get_urls(self) -> list[URLPattern]:
        own = [
            path("upload/", self.admin_site.admin_view(self.upload), name="migration_upload"),
            path(
                "<int:pk>/progress/",
                self.admin_site.admin_view(self.progress),
                name="migration_progress",
            ),
        ]
        return own + super().get_urls()

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra = {"upload_url": reverse("admin:migration_upload"), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def upload(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_superuser:
            raise PermissionDenied("Only administrators can import archives.")
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["archive"]
            folder = Path(settings.VAR_DIR) / "imports"
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{uuid.uuid4().hex}-{get_valid_filename(upload.name)}"
            with target.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            run = ImportRun.objects.create(
                kind=form.cleaned_data["kind"],
                file_name=upload.name,
                file_path=str(target),
                created_by=request.user,
            )
            if settings.BYLINE_IMPORT_IN_BACKGROUND:
                start_import(run)
            else:
                execute(run)
            return HttpResponseRedirect(reverse("admin:migration_progress", args=[run.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Import an archive",
            "form": form,
            "kinds": KINDS,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/migration/upload.html", context)

    def progress(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.is_superuser:
            raise PermissionDenied("Only administrators can see imports.")
        run = get_object_or_404(ImportRun, pk=pk)
        live = FileProgress(progress_path(run)).read()
        context = {
            **self.admin_site.each_context(request),
            "title": f"Importing {run.file_name}",
            "run": run,
            "live": live,
            "running": run.state in (ImportRun.State.QUEUED, ImportRun.State.RUNNING),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/migration/progress.html", context)


@admin.register(LegacyURL)
class LegacyURLAdmin(admin.ModelAdmin[LegacyURL]):
    list_display = ("path", "post")
    search_fields = ("path",)
    raw_id_fields = ("post",)


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin[Attachment]):
    list_display = ("url", "title", "post")
    search_fields = ("url", "title")
    raw_id_fields = ("post",)


@admin.register(ImportedObject)
class ImportedObjectAdmin(admin.ModelAdmin[ImportedObject]):
    list_display = ("source", "kind", "source_id", "object_id")
    list_filter = ("kind",)
    search_fields = ("source_id",)
