"""Imports from the admin: upload an archive, watch its progress, read its report."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator, get_valid_filename

from byline.migration.importing import IncomingComment
from byline.migration.models import (
    Attachment,
    ImportedObject,
    ImportRun,
    LegacyURL,
    UnattachedThread,
)
from byline.migration.progress import FileProgress
from byline.migration.runs import KINDS, execute, progress_path, reap
from byline.migration.unattached import attach, create_post_for, describe

# What each kind of archive's file is called, and what to say when another file comes.
_SUFFIXES = {
    "wordpress": ((".xml",), "Please upload the .xml file the export gave you."),
    "disqus": ((".xml",), "Please upload the .xml file the export gave you."),
    "isso": (
        (".db", ".sqlite", ".sqlite3"),
        "Please upload Isso's database file (comments.db, or .sqlite).",
    ),
    "remark42": (
        (".gz", ".json", ".jsonl", ".txt"),
        "Please upload the Remark42 backup file (backup-….gz, or its unzipped text).",
    ),
}


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="Archive from",
        choices=[
            ("wordpress", "WordPress (Tools › Export, .xml)"),
            ("disqus", "Disqus (.xml)"),
            ("isso", "Isso (its database, comments.db)"),
            ("remark42", "Remark42 (a backup, .gz)"),
        ],
    )
    archive = forms.FileField(label="Export file")

    def clean_archive(self) -> Any:
        upload = self.cleaned_data["archive"]
        suffixes, message = _SUFFIXES.get(self.cleaned_data.get("kind", ""), _SUFFIXES["wordpress"])
        if not upload.name.lower().endswith(suffixes):
            raise forms.ValidationError(message)
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
        reap()  # a run whose process died is shown failed, not running for ever
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
        reap()
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


@admin.register(UnattachedThread)
class UnattachedThreadAdmin(admin.ModelAdmin[UnattachedThread]):
    """Threads from Disqus, Isso or Remark42 that matched no post. Choose a post and save to
    attach one (its comments join that post's thread, numbered after its own), or use the
    action to create a draft post for each selected thread."""

    list_display = ("__str__", "source", "state", "comment_count", "reason", "post", "imported_at")
    list_filter = ("source", "state", ("post", admin.EmptyFieldListFilter))
    search_fields = ("title", "link", "identifier", "source_id")
    raw_id_fields = ("post",)
    actions = ["create_posts"]
    fields = (
        "post", "source", "source_id", "title", "link", "identifier", "state", "reason",
        "started_at", "comment_count", "suggested_post", "attached_at", "imported_at",
        "comments_preview",
    )  # fmt: skip

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Once attached, the comments are on the post: the thread is a record of that.
        own = tuple(f for f in self.fields if f != "post")
        return (*own, "post") if obj is not None and obj.post_id else own

    @admin.display(description="Comments (the first 50, as imported)")
    def comments_preview(self, obj: UnattachedThread) -> str:
        rows = [IncomingComment.from_data(c) for c in obj.comments[:50]]
        return format_html(
            "<table><tr><th>Id</th><th>Reply to</th><th>By</th><th>Date</th><th>Status</th>"
            "<th>Text</th></tr>{}</table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        c.origin_id,
                        c.parent_origin_id or "",
                        c.author_name,
                        f"{c.created_at:%Y-%m-%d %H:%M}",
                        c.status,
                        Truncator(c.body).chars(200),
                    )
                    for c in rows
                ),
            ),
        )

    def save_model(
        self, request: HttpRequest, obj: UnattachedThread, form: Any, change: bool
    ) -> None:
        saved = UnattachedThread.objects.filter(pk=obj.pk)
        before = saved.values_list("post_id", flat=True).first()
        post = obj.post
        if post is not None and not before:
            obj.post = None  # attach() records it, with the comments placed
            report = attach(obj, post)
            self.message_user(
                request, f"Attached to “{post}”: {describe(report)}.", messages.SUCCESS
            )
            return
        super().save_model(request, obj, form, change)

    @admin.action(description="Create a draft post for each selected thread, and attach it")
    def create_posts(self, request: HttpRequest, queryset: QuerySet[UnattachedThread]) -> None:
        made = 0
        for thread in queryset.filter(post__isnull=True):
            create_post_for(thread, request.user)  # type: ignore[arg-type]
            made += 1
        self.message_user(
            request,
            f"{made} draft post{'s' if made != 1 else ''} created, each with its thread's "
            "comments; write them and publish them from Posts.",
            messages.SUCCESS,
        )
