"""Discussion's settings in the admin. Comments are administered by moderation
(``byline.moderation.admin.CommentAdmin``): every change to one is a moderator's decision."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from byline.discussion.models import DiscussionSettings


@admin.register(DiscussionSettings)
class DiscussionSettingsAdmin(admin.ModelAdmin[DiscussionSettings]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return not DiscussionSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
