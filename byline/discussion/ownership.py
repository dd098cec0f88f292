"""Which comments a guest wrote, remembered in their session.

A guest has no account, so "may I edit this?" and "show me my comment awaiting moderation"
rest on the session that posted it. Only the newest ids are kept to bound the session's size.
"""

from __future__ import annotations

from django.http import HttpRequest

SESSION_KEY = "byline.comments"
KEEP = 50


def owned_comment_ids(request: HttpRequest) -> frozenset[int]:
    """Ids of comments this visitor's session posted as a guest."""
    if not hasattr(request, "session"):
        return frozenset()
    return frozenset(int(pk) for pk in request.session.get(SESSION_KEY, []))


def remember_comment(request: HttpRequest, comment_id: int) -> None:
    """Record that this session posted ``comment_id``, under a new session key.

    The session is what lets a guest edit, see and appeal their comment, so it gets a fresh
    key the moment it starts to matter (as signing in does): a session id planted in the
    guest's browser beforehand (session fixation) then opens nothing.
    """
    request.session.cycle_key()
    ids = [pk for pk in request.session.get(SESSION_KEY, []) if pk != comment_id]
    ids.append(comment_id)
    request.session[SESSION_KEY] = ids[-KEEP:]
