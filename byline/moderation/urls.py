"""Moderator pages. Every route here passes through ``guarded`` (see ``guard.py``); pages open
to readers (reports, the public log) live in ``public_views`` and are routed separately."""

from __future__ import annotations

from byline.moderation import classifier_views, log_views, queue_views
from byline.moderation.guard import guarded

app_name = "moderation"
urlpatterns = guarded(
    [*queue_views.urlpatterns, *log_views.urlpatterns, *classifier_views.urlpatterns]
)
