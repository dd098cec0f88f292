"""Form stamps: the signed time a comment form was shown.

The form issues one (``form_stamp``); moderation's bot check reads it (too fast is a bot) and
spends it once its comment is stored (a replayed stamp is held). Discussion owns issuing them,
so the form needs nothing from moderation.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.core import signing
from django.utils import timezone

FORM_STAMP_SALT = "byline.comment-form"
STAMP_MAX_AGE = 86400


def form_stamp(now: datetime | None = None, *, confirm: bool = False) -> str:
    """The signed time a comment form was shown, for the minimum-time bot check.
    ``confirm``: the no-JavaScript "Confirm your comment" page, whose reader typed the comment
    earlier, so answering it fast is normal — too fast there holds instead of filing spam."""
    shown = int((now or timezone.now()).timestamp())
    # A random part makes every stamp single-use (see spend_stamp) even within one second.
    nonce = secrets.token_hex(4)
    return signing.dumps([shown, int(confirm), nonce], salt=FORM_STAMP_SALT)
