"""Taking a reader's comment: validation has passed, now the moderation pipeline decides
whether it is public at once, held for review, or filed as spam — and the decision is stored
with the comment and in the audit log, in one transaction.

Every interface that takes new comments (the post page's form, future APIs, an import run with
``--moderate``) calls ``submit_comment``; nothing else calls ``post_comment`` for new text.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from byline.discussion.models import Comment
from byline.discussion.services import Submission, post_comment
from byline.moderation import pipeline
from byline.moderation.audit import comment_state, record
from byline.moderation.models import AuditEntry

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
) -> Comment:
    """Run the moderation pipeline on ``submission`` and store the comment with its verdict.

    Raises ``RateLimited`` (answer 429 with ``Retry-After``) or ``Rejected`` (the nudge: the
    reader may revise or confirm) before anything is stored; the caller keeps the reader's
    text in both cases. ``form_stamp`` is the signed time the form was shown (``""`` when a
    form sent none, ``None`` when the comment did not come from a form); ``proven_email`` the
    address the reader's browser proved (``accounts.verification.proven_email``).
    """
    now = now or timezone.now()
    ctx = pipeline.Context(
        post_id=submission.post.pk,
        post_author_id=submission.post.author_id,
        body=submission.body,
        name=submission.name,
        email=submission.email,
        url=submission.url,
        user=submission.user,
        ip=ip_address,
        user_agent=user_agent,
        honeypot=honeypot,
        form_stamp=form_stamp,
        nudge_acknowledged=nudge_acknowledged,
        proven_email=proven_email,
        now=now,
        rate_limit=rate_limit,
    )
    verdict = pipeline.run(ctx)
    with transaction.atomic():
        comment = post_comment(
            submission,
            ip_address=ip_address,
            user_agent=user_agent,
            now=now,
            outcome=verdict.action,
            moderation=verdict.as_json(),
        )
        record(
            AuditEntry.Action.VERDICT,
            comment=comment,
            reason=verdict.summary(),
            after={**comment_state(comment), "verdict": verdict.action, "code": verdict.code},
        )
    # Spent even if a later step failed: a retry is then held for review, never lost.
    pipeline.spend_stamp(form_stamp)
    return comment
