"""The classifiers' report for moderators: how well each has learned this site's decisions."""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_POST, require_safe

from byline.moderation import learning


@require_safe
def classifiers(request: HttpRequest) -> HttpResponse:
    """Version, decisions learned and progressive accuracy of the spam and abuse models."""
    reports = [learning.report(kind) for kind in learning.KINDS]
    return render(request, "moderation/classifiers.html", {"reports": reports})


@require_POST
def retrain(request: HttpRequest) -> HttpResponse:
    """Relearn every decision from the shipped weights (undoes labels a moderator changed)."""
    try:
        for kind in learning.KINDS:
            learning.retrain(kind, by=request.user)  # type: ignore[arg-type]
    except IntegrityError:
        # A decision was learned at the same moment and took the version number.
        messages.error(request, "A decision was being learned at the same time; try again.")
    else:
        messages.success(request, "Both classifiers were retrained from every moderator decision.")
    return HttpResponseRedirect(reverse("moderation:classifiers"), status=303)


urlpatterns = [
    path("classifiers/", classifiers, name="classifiers"),
    path("classifiers/retrain/", retrain, name="retrain"),
]
