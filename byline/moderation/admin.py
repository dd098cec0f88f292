"""Moderation in the admin: the site's thresholds, word lists and bans, and read-only views of
reports, the audit log and the stored classifiers.

Who may use it: whoever holds ``discussion.moderate_comments`` (the Moderators and Editors
groups, superusers) — the same permission ``byline.moderation.actions`` checks, so the admin
never lets someone start what the service would refuse. Every change a moderator makes to a ban
goes through the services, so it lands in the audit log.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils import timezone

from byline.accounts.models import User
from byline.accounts.roles import is_moderator
from byline.discussion.models import Comment, RemovalReason
from byline.moderation import actions
from byline.moderation.models import (
    AuditEntry,
    Ban,
    ClassifierVersion,
    ModerationSettings,
    Report,
    Term,
)


def can_moderate(request: HttpRequest) -> bool:
    """Whether the signed-in user may moderate (the permission the services check)."""
    return is_moderator(request.user)


def acting_user(request: HttpRequest) -> User:
    """The signed-in user, typed for the services (the admin only lets staff in)."""
    assert isinstance(request.user, User)
    return request.user


class ModeratorAccess:
    """Moderators see these pages (in addition to anyone with the model's own permissions)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_moderate(request) or super().has_module_permission(request)  # type: ignore[misc]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_moderate(request) or super().has_view_permission(request, obj)  # type: ignore[misc]


class ReadOnly(ModeratorAccess):
    """A record nobody edits here, superusers included: it is written by the services."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ModerationSettings)
class ModerationSettingsAdmin(admin.ModelAdmin[ModerationSettings]):
    """One row of thresholds (admins only, like the discussion settings)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not ModerationSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Term)
class TermAdmin(ModeratorAccess, admin.ModelAdmin[Term]):
    """Words and phrases that block or hold a comment (validated by ``Term.clean``)."""

    list_display = ("term", "action", "created_at")
    list_filter = ("action",)
    search_fields = ("term",)
    fields = ("term", "action")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return can_moderate(request) or super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_moderate(request) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_moderate(request) or super().has_delete_permission(request, obj)


class BanStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("active", "Active"), ("expired", "Expired or lifted")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # Both sides use ``Ban.objects.active()``: one definition of "active" for the pipeline too.
        active = Ban.objects.active().values("pk")
        if self.value() == "active":
            return queryset.filter(pk__in=active)
        if self.value() == "expired":
            return queryset.exclude(pk__in=active)
        return queryset


@admin.register(Ban)
class BanAdmin(ModeratorAccess, admin.ModelAdmin[Ban]):
    """Bans are added here through ``actions.ban`` and ended with "Lift selected bans"
    (``actions.lift_ban``), both audited. A saved ban is shown read-only: changing its value,
    length or reason in place would leave no audit row, so a moderator lifts it and adds a new
    one instead. Rows are never deleted — the record of who was banned, and why, stays."""

    list_display = ("kind", "value", "until", "is_active", "reason", "created_by", "created_at")
    list_filter = (BanStatusFilter, "kind")
    search_fields = ("value", "reason")
    list_select_related = ("created_by",)
    actions = ["lift"]

    def get_fields(self, request: HttpRequest, obj: Ban | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("kind", "value", "until", "reason")
        return ("kind", "value", "until", "reason", "created_by", "created_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Ban | None = None) -> tuple[str, ...]:
        return () if obj is None else self.get_fields(request, obj)

    @admin.display(boolean=True, description="active")
    def is_active(self, obj: Ban) -> bool:
        return obj.until is None or obj.until > timezone.now()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return can_moderate(request)

    def has_change_permission(self, request: HttpRequest, obj: Ban | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Ban | None = None) -> bool:
        return False

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return can_moderate(request)

    def save_model(
        self, request: HttpRequest, obj: Ban, form: ModelForm[Ban], change: bool
    ) -> None:
        # Only additions reach here (saved bans are read-only); the service audits them.
        made = actions.ban(
            by=acting_user(request),
            kind=obj.kind,
            value=obj.value,
            until=obj.until,
            reason=obj.reason,
        )
        obj.pk, obj.value = made.pk, made.value
        obj.created_by, obj.created_at = made.created_by, made.created_at

    @admin.action(description="Lift selected bans", permissions=["moderate"])
    def lift(self, request: HttpRequest, queryset: QuerySet[Ban]) -> None:
        active = list(queryset.filter(pk__in=Ban.objects.active().values("pk")))
        for entry in active:
            actions.lift_ban(entry, by=acting_user(request), reason="Lifted in the admin")
        skipped = queryset.count() - len(active)
        note = f" ({skipped} had already ended)" if skipped else ""
        self.message_user(request, f"Lifted {len(active)} ban(s){note}.")


@admin.register(Report)
class ReportAdmin(ReadOnly, admin.ModelAdmin[Report]):
    """Readers' reports; moderators act on them in the reported queue."""

    list_display = ("comment", "reason", "note", "reporter", "ip_address", "created_at", "resolved")
    list_filter = ("resolved", "reason")
    list_select_related = ("comment", "reporter")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnly, admin.ModelAdmin[AuditEntry]):
    """The audit log: written only by the services, in the change's own transaction."""

    list_display = ("created_at", "actor", "action", "target", "reason")
    list_filter = ("action", "created_at")
    search_fields = ("target", "reason")
    date_hierarchy = "created_at"
    list_select_related = ("actor",)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}  # not even "delete selected"


@admin.register(ClassifierVersion)
class ClassifierVersionAdmin(ReadOnly, admin.ModelAdmin[ClassifierVersion]):
    """Stored spam/abuse models (``byline classifiers report`` has the detail)."""

    list_display = ("kind", "version", "decisions", "created_at", "accuracy")
    list_filter = ("kind",)
    fields = readonly_fields = ("kind", "version", "decisions", "created_at", "accuracy")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ClassifierVersion]:
        # The weights can be hundreds of KiB per row: never load them for a list.
        return super().get_queryset(request).defer("data")

    @admin.display(description="accuracy on decisions learned")
    def accuracy(self, obj: ClassifierVersion) -> str:
        seen = int(obj.metrics.get("seen", 0))
        return f"{obj.metrics.get('correct', 0) / seen:.1%}" if seen else "–"


# Comments in the admin. Its actions call ``moderation.actions`` — the same services as the
# queue — so each writes its audit row and teaches the classifiers.
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
