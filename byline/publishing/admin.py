"""The writing desk, for now: Django's admin, with every save going through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from byline.publishing.models import (
    Category,
    Menu,
    MenuItem,
    Post,
    PostRevision,
    SlugRedirect,
    Tag,
    Taxonomy,
    Term,
)
from byline.publishing.services import can_edit_post, restore_revision, save_post


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ("__str__", "path")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name", "slug")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin[Tag]):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)


class RevisionInline(admin.TabularInline[PostRevision, Post]):
    model = PostRevision
    extra = 0
    can_delete = False
    fields = ("saved_at", "saved_by", "title", "status")
    readonly_fields = fields
    ordering = ("-saved_at",)
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PostAdminForm(forms.ModelForm[Post]):
    class Meta:
        model = Post
        fields = (
            "title", "slug", "author", "excerpt", "body", "status", "published_at",
            "comments_open", "categories", "tags", "terms", "parent",
        )  # fmt: skip
        widgets = {"body": forms.Textarea(attrs={"rows": 24, "class": "vLargeTextField"})}


@admin.register(Post)
class PostAdmin(admin.ModelAdmin[Post]):
    form = PostAdminForm
    list_display = ("title", "author", "state", "published_at", "public_comment_count")
    list_filter = ("status", "categories", "author")
    search_fields = ("title", "body")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("categories", "tags", "terms")
    date_hierarchy = "published_at"
    readonly_fields = ("preview_link",)
    inlines = [RevisionInline]
    fieldsets = (
        (None, {"fields": ("title", "slug", "author", "excerpt", "body", "preview_link")}),
        ("Publishing", {"fields": ("status", "published_at", "comments_open", "password")}),
        ("Filing", {"fields": ("categories", "tags", "terms", "parent")}),
    )

    @admin.display(description="State")
    def state(self, obj: Post) -> str:
        return obj.state_label

    @admin.display(description="Preview")
    def preview_link(self, obj: Post) -> str:
        if not obj.pk:
            return "Save the draft to preview it."
        url = reverse("publishing:preview", args=[obj.pk])
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">Preview as readers will see it</a>', url
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Post]:
        qs = super().get_queryset(request).select_related("author")
        user = request.user
        if user.is_superuser or user.has_perm("publishing.edit_others_posts"):
            return qs
        return qs.filter(author=user)  # type: ignore[misc]

    def get_readonly_fields(self, request: HttpRequest, obj: Post | None = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not (request.user.is_superuser or request.user.has_perm("publishing.edit_others_posts")):
            fields.append("author")
        return fields

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"author": request.user.pk}

    def has_change_permission(self, request: HttpRequest, obj: Post | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can_edit_post(request.user, obj))  # type: ignore[arg-type]

    def save_model(self, request: HttpRequest, obj: Post, form: Any, change: bool) -> None:
        # categories/tags are saved by save_related; the service keeps the revision.
        try:
            save_post(obj, by=request.user)  # type: ignore[arg-type]
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, str(exc))
            raise


@admin.register(PostRevision)
class PostRevisionAdmin(admin.ModelAdmin[PostRevision]):
    list_display = ("post", "title", "saved_by", "saved_at")
    readonly_fields = (
        "post", "title", "slug", "excerpt", "body", "status", "published_at", "saved_by",
        "saved_at",
    )  # fmt: skip
    actions = ["restore"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Restore the selected revision")
    def restore(self, request: HttpRequest, queryset: QuerySet[PostRevision]) -> None:
        for revision in queryset:
            restore_revision(revision, by=request.user)  # type: ignore[arg-type]
        self.message_user(request, "Restored; the restore is itself a new revision.")


@admin.register(SlugRedirect)
class SlugRedirectAdmin(admin.ModelAdmin[SlugRedirect]):
    list_display = ("old_slug", "post", "created_at")
    search_fields = ("old_slug",)


@admin.register(Taxonomy)
class TaxonomyAdmin(admin.ModelAdmin[Taxonomy]):
    list_display = ("label", "name", "slug", "is_public")
    prepopulated_fields = {"slug": ("label",)}


@admin.register(Term)
class TermAdmin(admin.ModelAdmin[Term]):
    list_display = ("name", "taxonomy", "slug")
    list_filter = ("taxonomy",)
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name", "slug")


class MenuItemInline(admin.TabularInline[MenuItem, Menu]):
    model = MenuItem
    extra = 1
    fields = ("order", "parent", "label", "post", "category", "tag", "term", "url")
    raw_id_fields = ("post", "parent")
    ordering = ("order", "id")


@admin.register(Menu)
class MenuAdmin(admin.ModelAdmin[Menu]):
    """Navigation menus; the one marked "in header" is shown at the top of every page."""

    list_display = ("name", "slug", "in_header")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MenuItemInline]
