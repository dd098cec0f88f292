"""``submit_comment``: ``discussion.intake.receive`` with its origin spelled as arguments.

The site's doors (the form, the API, the demo) call ``intake.receive`` themselves; this
shorthand is for scripts, benchmarks and tests that submit comments as a form would.
"""

from __future__ import annotations

from datetime import datetime

from byline.discussion.intake import Origin, receive
from byline.discussion.models import Comment
from byline.discussion.services import Submission
from byline.moderation import pipeline

# Re-exported so callers handle the two ways a submission is sent back from one place.
Rejected = pipeline.Rejected


def submit_comment(
    submission: Submission,
    *,
    ip_address: str | None = None,
    user_agent: str = "",
    honeypot: str = "",
    form_stamp: str | None = None,
    nudge_acknowledged: bool = False,
    proven_email: str = "",
    rate_limit: bool = True,
    now: datetime | None = None,
    channel: str = "form",
) -> Comment:
    """Receive ``submission`` through the intake (see ``discussion.intake.receive``)."""
    return receive(
        submission,
        Origin(
            channel=channel,
            ip=ip_address,
            user_agent=user_agent,
            honeypot=honeypot,
            form_stamp=form_stamp,
            nudge_acknowledged=nudge_acknowledged,
            proven_email=proven_email,
            rate_limit=rate_limit,
            now=now,
        ),
    )
