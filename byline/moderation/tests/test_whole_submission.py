"""The classifiers read the whole submission, and one decision stops a spam run."""

from __future__ import annotations

import pytest

from byline.discussion.models import Comment, RemovalReason
from byline.moderation import actions, pipeline, scoring
from byline.moderation.inputs import Inputs, Record, link_domains, obfuscated_links, site_features
from byline.moderation.models import ModerationSettings

pytestmark = pytest.mark.django_db

RUN = (
    "Honestly the best write-up on the harbour budget I have read. My cousin made 4,000 a "
    "week from home with the Quayside Crypto Signals group, ask for Marcus on Telegram."
)
# The same message as the next wave sends it: words swapped, another name.
VARIANT = (
    "Truly the best write-up on the harbour budget I have seen. My uncle made 4,000 a week "
    "from home with the Quayside Crypto Signals group, ask for Marcus on Telegram!"
)
UNRELATED = (
    "The harbour budget leaves out the dredging contract entirely; the council minutes from "
    "March say it was deferred, not cancelled."
)


def _stored(post, add_comment, body: str, *, name: str = "Guest", website: str = "") -> Comment:
    comment = add_comment(post, body, name=name)
    if website:
        Comment.objects.filter(pk=comment.pk).update(author_url=website)
        comment.refresh_from_db()
    return comment


def _scores(body: str, **fields: str) -> dict[str, scoring.Scored]:
    return {s.kind: s for s in scoring.score_inputs(Inputs(body=body, **fields))}


def test_features_come_from_every_field():
    names, _sources, _values = site_features(
        Inputs(
            body="Great post! more at cheapmeds dot shop",
            name="Best CBD Gummies UK",
            website="https://www.best-cbd-gummies.shop/buy-now/",
            email_domain="gmail.com",
            record=Record(proven=True, approved=4, days_known=40),
        )
    )
    for expected in (
        "n:w:cbd",
        "n:w:gummies",
        "s:d:best-cbd-gummies.shop",
        "s:tld:shop",
        "s:p:buy",
        "e:gmail.com",
        "e:free",
        "x:obfuscated",
        "h:proven",
        "h:approved2",
        "h:known3",
    ):
        assert expected in names, expected
    # Links however written.
    assert obfuscated_links("visit hxxp://pills example dot com or shop[.]xyz") >= 2
    assert obfuscated_links("The dot-com bubble burst in 2000, as did www companies.") == 0
    found = link_domains("cheap at best-pills.shop and https://www.example.co.uk/x")
    assert sorted(found) == ["best-pills.shop", "example.co.uk"]
    # Another script mixed into Latin text is a signal of its own.
    cyrillic = site_features(Inputs(body="Лучшие казино online bonus"))[0]
    assert "l:cyrillic" in cyrillic and "l:mixed" in cyrillic


def test_one_spam_decision_stops_its_near_copies_at_once(
    post, add_comment, moderator, django_capture_on_commit_callbacks
):
    assert _scores(VARIANT)["spam"].near_copy is None
    first = _stored(post, add_comment, RUN)
    with django_capture_on_commit_callbacks(execute=True):
        actions.mark_spam(first, by=moderator)
    found = _scores(VARIANT)["spam"]
    assert found.near_copy is not None and found.near_copy.similarity >= 0.5
    assert found.score >= scoring.NEAR_COPY_SCORE
    assert "near-copy" in found.features[0][0]
    # Talk about the same budget is not a copy.
    assert _scores(UNRELATED)["spam"].near_copy is None
    # Through the pipeline the next copy is filed as spam, not published.
    ctx = pipeline.Context(post_id=post.pk, body=VARIANT, name="Dana", rate_limit=False)
    verdict = pipeline.run(ctx, phases=[pipeline.classifiers])
    assert verdict.action == pipeline.SPAM and verdict.code == "spam_score"


def test_short_generic_praise_is_matched_by_where_it_points_not_by_its_words(
    post, add_comment, moderator, django_capture_on_commit_callbacks
):
    spam = _stored(
        post, add_comment, "Great post, thanks!", name="Plumber Leeds",
        website="https://leeds-emergency-plumbing.co.uk/services/",
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        actions.mark_spam(spam, by=moderator)
    # A real reader saying the same words is not a copy …
    assert _scores("Great post, thanks!", name="Ann")["spam"].near_copy is None
    # … the same network pointing at the same shop is.
    same_shop = _scores(
        "Really useful, cheers", website="http://www.leeds-emergency-plumbing.co.uk/boilers"
    )["spam"]
    assert same_shop.near_copy is not None and "leeds-emergency-plumbing.co.uk" in (
        same_shop.near_copy.reason
    )


def test_a_domain_also_seen_on_approved_comments_is_not_a_spam_domain(
    post, add_comment, moderator, django_capture_on_commit_callbacks
):
    spam = _stored(post, add_comment, "Cheap replica watches https://en.wikipedia.org/wiki/Watch")
    ham = _stored(post, add_comment, "Source: https://en.wikipedia.org/wiki/Harbour")
    with django_capture_on_commit_callbacks(execute=True):
        actions.mark_spam(spam, by=moderator)
    with django_capture_on_commit_callbacks(execute=True):
        actions.approve(ham, by=moderator)
    assert _scores("See https://en.wikipedia.org/wiki/Ferry")["spam"].near_copy is None


def test_one_abuse_decision_catches_the_same_attack_pasted_again(
    post, add_comment, moderator, django_capture_on_commit_callbacks
):
    attack = "Marta, everyone here knows you are a lying little parasite. Crawl back to your hole."
    first = _stored(post, add_comment, attack)
    with django_capture_on_commit_callbacks(execute=True):
        actions.remove(first, by=moderator, reason=RemovalReason.ABUSE)
    again = _scores(attack.replace("Marta", "Marta!!") + " Nobody wants you here.")["abuse"]
    assert again.near_copy is not None and again.score >= scoring.NEAR_COPY_SCORE


def test_new_commenters_can_skip_the_queue_only_when_the_classifiers_are_confident(post):
    rules = ModerationSettings.current()
    assert rules.new_commenters == ModerationSettings.NewCommenters.HOLD_ALL

    def verdict(body: str) -> pipeline.Verdict:
        ctx = pipeline.Context(
            post_id=post.pk, body=body, name="Newcomer", email="new@example.net", rate_limit=False
        )
        return pipeline.run(ctx, phases=[pipeline.trust, pipeline.classifiers])

    plain = "I grew up near the harbour; the ferry timetable changed twice last year."
    assert verdict(plain).code == "new_commenter"  # held, as before
    rules.new_commenters = ModerationSettings.NewCommenters.HOLD_UNLESS_CONFIDENT
    rules.save()
    passed = verdict(plain)
    assert passed.action == pipeline.APPROVE
    assert any(f.code == "new_commenter_confident" for f in passed.findings)
    # Not confident: a link drop from a stranger is held (or worse), never published.
    doubtful = verdict("Best casino bonus codes 2026 http://casino-bonus.example.com win big now")
    assert doubtful.action in (pipeline.HOLD, pipeline.SPAM)
