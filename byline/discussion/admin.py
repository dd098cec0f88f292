"""Comment approval in the admin until the moderation queue lands; actions call the services."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from byline.discussion.models import Comment, DiscussionSettings
from byline.discussion.services import approve_comment, remove_comment


@admin.register(DiscussionSettings)
class DiscussionSettingsAdmin(admin.ModelAdmin[DiscussionSettings]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return not DiscussionSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin[Comment]):
    list_display = ("__str__", "post", "status", "author_name", "author_email", "created_at")
    list_filter = ("status",)
    search_fields = ("body", "author_name", "author_email")
    list_select_related = ("post", "user")
    raw_id_fields = ("post", "parent", "in_reply_to", "user")
    # Read-only until the moderation issue: a body edited here would skip rendering.
    fields = readonly_fields = (
        "post", "number", "status", "author_name", "author_email", "author_url", "user",
        "ip_address", "user_agent", "body", "parent", "in_reply_to", "depth", "created_at",
        "edited_at", "published_at",
    )  # fmt: skip
    actions = ["approve", "remove"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Approve selected comments", permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        # Oldest first, so numbers follow the order comments were written in.
        for comment in queryset.order_by("created_at", "pk"):
            approve_comment(comment, by=request.user)  # type: ignore[arg-type]
        self.message_user(request, f"Approved {queryset.count()} comment(s).")

    @admin.action(description="Remove selected comments from the page", permissions=["change"])
    def remove(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        for comment in queryset:
            remove_comment(comment, by=request.user)  # type: ignore[arg-type]
        self.message_user(request, f"Removed {queryset.count()} comment(s).")
