"""Moderation as discussion's screening step (``discussion.intake``): the pipeline judges each
submission before it is stored, and the verdict goes with the comment and into the audit log,
in the transaction that stores it. Registered by ``ModerationConfig.ready``."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from byline.accounts.models import User
from byline.discussion.intake import Decision, Origin
from byline.discussion.models import Comment
from byline.discussion.services import Submission
from byline.moderation import appeals, pipeline
from byline.moderation.audit import comment_state, record
from byline.moderation.models import AuditEntry
from byline.moderation.screening import edit_and_screen


class ModerationScreening:
    """The pipeline's phases before storing; the audit row while storing."""

    def screen(self, submission: Submission, origin: Origin) -> Decision:
        ctx = pipeline.Context(
            post_id=submission.post.pk,
            post_author_id=submission.post.author_id,
            body=submission.body,
            name=submission.name,
            email=submission.email,
            url=submission.url,
            user=submission.user,
            ip=origin.ip,
            user_agent=origin.user_agent,
            honeypot=origin.honeypot,
            form_stamp=origin.form_stamp,
            nudge_acknowledged=origin.nudge_acknowledged,
            proven_email=origin.proven_email,
            now=origin.now or timezone.now(),
            rate_limit=origin.rate_limit,
        )
        verdict = pipeline.run(ctx)  # raises RateLimited (TryLater) or Rejected (Reconsider)
        return Decision(verdict.action, verdict.as_json(), verdict)

    def stored(self, comment: Comment, decision: Decision, origin: Origin) -> None:
        verdict = decision.detail
        assert isinstance(verdict, pipeline.Verdict)
        record(
            AuditEntry.Action.VERDICT,
            comment=comment,
            reason=verdict.summary(),
            after={**comment_state(comment), "verdict": verdict.action, "code": verdict.code},
        )

    def done(self, comment: Comment, origin: Origin) -> None:
        pipeline.spend_stamp(origin.form_stamp)

    def revise(
        self, comment: Comment, body: str, *, user: User | None, owned_ids: frozenset[int]
    ) -> Comment:
        return edit_and_screen(comment, body, user=user, owned_ids=owned_ids)

    def standing_notes(self, request: HttpRequest, own: list[Comment]) -> dict[int, str]:
        found = appeals.standings(own, appeals.commenter(request))
        return {
            pk: render_to_string("moderation/_standing.html", {"s": standing}, request)
            for pk, standing in found.items()
        }
