"""One intake: every new comment becomes a stored comment with its verdict and audit row
through ``discussion.intake.receive``; discussion knows nothing of moderation."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from byline.discussion import intake
from byline.discussion.models import Comment, DiscussionSettings
from byline.discussion.services import validate_submission
from byline.moderation import pipeline
from byline.moderation.models import AuditEntry
from byline.moderation.tests.helpers import moderation_off

pytestmark = pytest.mark.django_db
DISCUSSION = Path(__file__).resolve().parents[1]


def test_no_discussion_module_imports_moderation():
    offenders = []
    for module in DISCUSSION.rglob("*.py"):
        if "tests" in module.parts or "migrations" in module.parts:
            continue
        for node in ast.walk(ast.parse(module.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            offenders += [
                f"{module.name}:{node.lineno} {n}"
                for n in names
                if n.startswith("byline.moderation")
            ]
    assert offenders == []


def _guest(post, body="A point about the timetable."):
    return validate_submission(post, body=body, name="Guest", email="guest@example.org")


def test_moderation_is_the_screening_and_every_comment_gets_a_versioned_verdict_and_audit(post):
    moderation_off()
    assert type(intake.screening()).__name__ == "ModerationScreening"
    comment = intake.receive(_guest(post), intake.Origin("api", ip="192.0.2.5"))
    assert comment.status == Comment.Status.PUBLIC
    assert comment.moderation["v"] == pipeline.VERDICT_FORMAT
    stored = pipeline.Verdict.from_json(comment.moderation)
    assert stored is not None and stored.action == "approve"
    assert AuditEntry.objects.filter(comment=comment, action=AuditEntry.Action.VERDICT).exists()


def test_a_refused_submission_stores_nothing(post):
    moderation_off()
    origin = intake.Origin("form", ip="192.0.2.6")
    for n in range(5):
        intake.receive(_guest(post, f"Comment {n} about fares."), origin)
    with pytest.raises(intake.TryLater) as refused:
        intake.receive(_guest(post, "One too many."), origin)
    assert refused.value.retry_after > 0
    assert not Comment.objects.filter(body="One too many.").exists()


def test_hold_every_new_comment_is_a_phase_of_the_screening_not_a_second_decision(post, author):
    moderation_off()
    rules = DiscussionSettings.current()
    rules.hold_new_comments = True
    rules.save()
    held = intake.receive(_guest(post), intake.Origin("form", ip="192.0.2.7", rate_limit=False))
    assert held.status == Comment.Status.PENDING
    assert [f["code"] for f in held.moderation["findings"]] == ["hold_all"]
    own = validate_submission(post, body="The author answers.", user=author)
    answer = intake.receive(own, intake.Origin("form", rate_limit=False))
    assert answer.status == Comment.Status.PUBLIC  # the post's author is never held by it


def test_without_a_screening_discussion_publishes_at_once(post):
    moderation = intake.screening()
    intake.use_screening(intake._PublishEverything())
    try:
        comment = intake.receive(_guest(post), intake.Origin("demo"))
        assert comment.status == Comment.Status.PUBLIC and comment.moderation == {}
        assert not AuditEntry.objects.filter(comment=comment).exists()
    finally:
        intake.use_screening(moderation)


def test_a_verdict_older_than_versioning_still_reads():
    old = {
        "action": "hold",
        "code": "new_commenter",
        "reason": "First comments are checked.",
        "findings": [{"phase": "trust", "action": "hold", "code": "new_commenter", "reason": "x"}],
        "scores": {"spam": 0.1},
        "features": {"spam": [["cheap", 0.4]]},
    }
    verdict = pipeline.Verdict.from_json(old)
    assert verdict is not None and verdict.action == "hold"
    assert verdict.findings[0].phase == "trust" and verdict.features["spam"] == [("cheap", 0.4)]
    assert pipeline.Verdict.from_json({}) is None and pipeline.Verdict.from_json(None) is None
    again = pipeline.Verdict.from_json(verdict.as_json())
    assert again is not None and again.findings == verdict.findings
