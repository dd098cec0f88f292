"""Comments in the admin. Its actions call ``byline.moderation.actions`` — the same services as
the moderation queue — so each writes its audit row and teaches the classifiers."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from byline.discussion.models import Comment, DiscussionSettings, RemovalReason
from byline.moderation import actions
from byline.moderation.admin import acting_user, can_moderate


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
    # Read-only: a body edited here would skip rendering, a status edited here the audit log.
    fields = readonly_fields = (
        "post", "number", "status", "removal_reason", "author_name", "author_email",
        "author_url", "user", "ip_address", "user_agent", "body", "parent", "in_reply_to",
        "depth", "created_at", "edited_at", "published_at", "moderation",
    )  # fmt: skip
    actions = ["approve", "mark_spam", "remove"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Deleting would skip the post's comment count and the audit log: moderators remove
        # or mark spam, and `byline purge_spam` deletes old spam through its audited service.
        return False

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return can_moderate(request)

    def _bulk(self, request: HttpRequest, action: str, queryset: QuerySet[Comment]) -> int:
        # ``bulk`` works oldest first, so approved comments are numbered in writing order.
        try:
            return actions.bulk(
                action, queryset, by=acting_user(request), reason=RemovalReason.OTHER
            )
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), level=messages.ERROR)
            return 0

    @admin.action(description="Approve selected comments", permissions=["moderate"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        self.message_user(
            request, f"Approved {self._bulk(request, 'approve', queryset)} comment(s)."
        )

    @admin.action(description="Mark selected comments as spam", permissions=["moderate"])
    def mark_spam(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        done = self._bulk(request, "spam", queryset)
        self.message_user(request, f"Marked {done} comment(s) as spam.")

    @admin.action(description="Remove selected comments from the page", permissions=["moderate"])
    def remove(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        done = self._bulk(request, "remove", queryset)
        self.message_user(request, f"Removed {done} comment(s) (against the site's rules).")
