"""Each phase of the moderation pipeline, on its own and combined."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from byline.moderation import pipeline
from byline.moderation.models import Ban, ModerationSettings, Term
from byline.moderation.pipeline import HOLD, SPAM, Context, Verdict, form_stamp, run
from byline.moderation.ratelimits import RateLimited

pytestmark = pytest.mark.django_db

RULE_PHASES = [
    pipeline.bot_traps, pipeline.duplicates, pipeline.bans, pipeline.word_lists, pipeline.links,
]  # fmt: skip


def ctx(**extra):
    base = {"post_id": 1, "body": "A perfectly ordinary remark about the harbor.",
            "name": "Pat", "email": "pat@example.org", "ip": "192.0.2.5", "rate_limit": False}  # fmt: skip
    base.update(extra)
    return Context(**base)


def verdict_of(**extra) -> Verdict:
    return run(ctx(**extra), phases=RULE_PHASES)


def test_an_ordinary_comment_passes():
    verdict = verdict_of()
    assert verdict.action == "approve" and verdict.findings == []


def test_most_severe_finding_wins_and_all_are_kept():
    Term.objects.create(term="casino", action=Term.Action.HOLD)
    verdict = verdict_of(
        body="casino http://a.example http://b.example http://c.example", honeypot="x"
    )
    assert verdict.action == SPAM and verdict.code == "honeypot" and verdict.phase == "bot_traps"
    assert {f.code for f in verdict.findings} == {"honeypot", "held_term", "too_many_links"}
    assert verdict.as_json()["findings"][0]["reason"]


def test_honeypot_and_too_fast_submissions_are_spam():
    assert verdict_of(honeypot="http://spam.example").code == "honeypot"
    assert verdict_of(form_stamp=form_stamp()).code == "too_fast"
    earlier = timezone.now() - timedelta(seconds=30)
    assert verdict_of(form_stamp=form_stamp(earlier)).action == "approve"
    assert verdict_of(form_stamp="forged").code == "bad_form_stamp"


def test_duplicates_and_floods(post, make_post, add_comment):
    text = "Visit my wonderful site for cheap ferry tickets today!"
    add_comment(post, text)
    assert (
        run(ctx(post_id=post.pk, body=text, ip="127.0.0.1"), phases=RULE_PHASES).code == "duplicate"
    )
    other1, other2 = make_post("One"), make_post("Two")
    add_comment(other1, text)
    add_comment(other2, text)
    third = make_post("Three")
    flood = run(ctx(post_id=third.pk, body=text, ip="198.51.100.9"), phases=RULE_PHASES)
    assert flood.code == "flood"
    assert (
        run(ctx(post_id=post.pk, body="Thanks!", ip="127.0.0.1"), phases=RULE_PHASES).action
        == "approve"
    )


@pytest.mark.parametrize(
    "kind, value, extra",
    [
        ("email", "pat@example.org", {}),
        ("domain", "example.org", {}),
        ("domain", "example.org", {"email": "x@mail.example.org"}),
        ("ip", "192.0.2.5", {}),
        ("network", "192.0.2.0/24", {}),
        ("network", "2001:db8::/32", {"ip": "2001:db8::1"}),
    ],
)
def test_bans_match_by_kind(kind, value, extra):
    ban = Ban(kind=kind, value=value)
    ban.full_clean()
    ban.save()
    verdict = verdict_of(**extra)
    assert verdict.action == SPAM and verdict.code == f"ban_{kind}"


def test_bans_expire_and_accounts_match(reader):
    Ban.objects.create(kind="ip", value="192.0.2.5", until=timezone.now() - timedelta(minutes=1))
    assert verdict_of().action == "approve"
    Ban.objects.create(kind="account", value=reader.username)
    assert verdict_of(user=reader).code == "ban_account"


def test_invalid_bans_explain_themselves():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="not a valid network"):
        Ban(kind="network", value="192.0.2.0/99").full_clean()
    with pytest.raises(ValidationError, match="full address"):
        Ban(kind="email", value="nobody").full_clean()


def test_word_lists_match_every_field_and_block_beats_hold():
    Term.objects.create(term="pills", action=Term.Action.HOLD)
    Term.objects.create(term="spam.example", action=Term.Action.BLOCK)
    assert verdict_of(body="Cheap PILLS here").code == "held_term"
    assert verdict_of(url="https://spam.example/x").code == "blocked_term"
    assert verdict_of(name="pills and spam.example").code == "blocked_term"
    Term.objects.create(term="192.0.2.", action=Term.Action.HOLD)
    assert verdict_of().code == "held_term"


def test_link_count_over_the_limit_is_held():
    rules = ModerationSettings.current()
    rules.link_limit = 1
    rules.save()
    assert verdict_of(body="see https://a.example").action == "approve"
    held = verdict_of(body="see https://a.example and [b](https://b.example)")
    assert held.action == HOLD and held.code == "too_many_links"


def test_trust_holds_new_people_by_verified_identity(reader, moderator, post, add_comment):
    phases = [pipeline.trust]
    assert run(ctx(user=reader), phases=phases).code == "new_commenter"
    add_comment(post, "earlier, approved", user=reader)
    assert run(ctx(user=reader), phases=phases).action == "approve"
    # A guest typing a trusted person's name and email is still a guest.
    assert run(ctx(name=reader.username, email=reader.email), phases=phases).code == "new_commenter"
    assert run(ctx(user=moderator), phases=phases).action == "approve"
    rules = ModerationSettings.current()
    rules.trust_threshold = 0
    rules.save()
    assert run(ctx(), phases=phases).action == "approve"


def test_rate_limit_phase_raises(settings):
    settings.CACHES = {
        alias: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": alias}
        for alias in ("default", "shared")
    }
    for _ in range(5):
        run(ctx(rate_limit=True), phases=[pipeline.rate_limits])
    with pytest.raises(RateLimited):
        run(ctx(rate_limit=True), phases=[pipeline.rate_limits])


def test_classifier_phase_scores_explains_and_holds(settings):
    from byline.moderation.inputs import Inputs
    from byline.moderation.models import ClassifierVersion
    from byline.moderation.sitemodel import SiteModel

    rules = ModerationSettings.current()
    rules.abuse_threshold = 0.3
    rules.nudge = False
    rules.save()
    hostile = "Those Islamonazis are vermin and should be driven out."
    verdict = run(ctx(body=hostile), phases=[pipeline.classifiers])
    assert set(verdict.scores) == {"spam", "abuse"}
    assert verdict.features["abuse"] and verdict.action == HOLD and verdict.code == "abuse_score"
    civil = run(ctx(body="The ministry's new policy is a disaster for the harbor."),
                phases=[pipeline.classifiers])  # fmt: skip
    assert civil.scores["abuse"] < verdict.scores["abuse"]

    # A stored site layer that learned otherwise replaces the shipped weights alone.
    model = SiteModel("abuse")
    model.fit([(model.featurize(Inputs(body=hostile)), False)] * 30)
    ClassifierVersion.objects.create(kind="abuse", version=2, data=model.to_bytes())
    relearned = run(ctx(body=hostile), phases=[pipeline.classifiers])
    assert relearned.scores["abuse"] < verdict.scores["abuse"]


def test_the_nudge_asks_before_storing_and_yields_to_insistence():
    rules = ModerationSettings.current()
    rules.abuse_threshold = 0.3
    rules.save()
    hostile = "Those Islamonazis are vermin and should be driven out."
    earlier = timezone.now() - timedelta(seconds=30)
    with pytest.raises(pipeline.Rejected) as info:
        run(ctx(body=hostile, form_stamp=form_stamp(earlier)), phases=[pipeline.classifiers])
    assert info.value.verdict.code == "nudge" and "revise" in str(info.value)
    insisted = run(
        ctx(body=hostile, form_stamp=form_stamp(earlier), nudge_acknowledged=True),
        phases=[pipeline.classifiers],
    )
    assert insisted.action == HOLD
