"""The moderation pipeline: one ordered list of phases every submitted comment passes.

Each phase looks at the submission and may return a verdict — approve, hold for review, spam,
or reject with a message — with a machine-readable code and a reason a moderator can read. The
most severe verdict wins; every phase's findings are kept on the comment (``Comment.moderation``)
and in the audit log, so a moderator always sees why. Nothing is deleted: "spam" and "hold" are
stored and shown in the queue; only "reject" (a rate limit, a nudge) sends the text back to the
reader, with everything they typed.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from byline.accounts.models import User
from byline.accounts.roles import is_moderator
from byline.discussion.intake import Reconsider

# The form issues stamps (discussion); the bot check here reads and spends them.
from byline.discussion.stamps import FORM_STAMP_SALT, STAMP_MAX_AGE, form_stamp  # noqa: F401
from byline.moderation.models import Ban, ModerationSettings, Term
from byline.moderation.ratelimits import COMMENT_POST, hit

APPROVE, HOLD, SPAM, REJECT = "approve", "hold", "spam", "reject"
# The shape of a verdict stored on a comment (Verdict.as_json); raise it when that changes.
VERDICT_FORMAT = 1
# The classifiers phase asks for revision under this name (a REJECT finding).
NUDGE = "nudge"
_SEVERITY = {APPROVE: 0, HOLD: 1, SPAM: 2, REJECT: 3}
_LINK = re.compile(r"https?://|www\.|\[[^\]]*\]\(", re.IGNORECASE)


@dataclass
class Context:
    """Everything the phases may look at for one submission."""

    post_id: int
    body: str
    post_author_id: int | None = None
    name: str = ""
    email: str = ""
    url: str = ""
    user: User | None = None
    ip: str | None = None
    user_agent: str = ""
    honeypot: str = ""
    form_stamp: str | None = None  # signed time the form was shown; None: not from a form
    nudge_acknowledged: bool = False
    # The address this reader's browser proved by a verification link (a signed cookie), if any.
    proven_email: str = ""
    now: datetime = field(default_factory=timezone.now)
    rate_limit: bool = True


@dataclass
class Finding:
    phase: str
    action: str
    code: str
    reason: str


@dataclass
class Verdict:
    """The pipeline's decision, with every finding and score behind it."""

    action: str = APPROVE
    code: str = "ok"
    reason: str = "Passed every check."
    phase: str = ""
    findings: list[Finding] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    features: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    # The thresholds the scores were judged by, and the commenter's record the classifiers
    # read (a training label made from this comment later reads the record as it was now).
    thresholds: dict[str, float] = field(default_factory=dict)
    record: dict[str, Any] = field(default_factory=dict)
    scored: list[Any] | None = field(default=None, repr=False, compare=False)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)
        if _SEVERITY[finding.action] > _SEVERITY[self.action]:
            self.action, self.code = finding.action, finding.code
            self.reason, self.phase = finding.reason, finding.phase

    def summary(self) -> str:
        """Every reason a comment was not simply approved, most severe first."""
        flagged = sorted(
            (f for f in self.findings if f.action != APPROVE),
            key=lambda f: -_SEVERITY[f.action],
        )
        return " ".join(f.reason for f in flagged) or self.reason

    def as_json(self) -> dict[str, Any]:
        """What is stored on the comment (``Comment.moderation``), versioned."""
        return {
            "v": VERDICT_FORMAT,
            "action": self.action,
            "code": self.code,
            "reason": self.reason,
            "phase": self.phase,
            "findings": [f.__dict__ for f in self.findings],
            "scores": self.scores,
            "thresholds": self.thresholds,
            "record": self.record,
            "features": {k: [[w, round(s, 3)] for w, s in v] for k, v in self.features.items()},
        }

    @classmethod
    def from_json(cls, data: Any) -> Verdict | None:
        """The verdict stored on a comment, or None if it has none (imported, or older than
        verdicts). The one reader of ``Comment.moderation``: the queue and screening use it.
        Format 0 (no "v") has the same fields; a newer format than this code knows is read
        for the fields it shares."""
        if not isinstance(data, dict) or not data.get("action"):
            return None
        findings = [
            Finding(**{k: str(f.get(k, "")) for k in ("phase", "action", "code", "reason")})
            for f in data.get("findings") or []
            if isinstance(f, dict) and f.get("action") in _SEVERITY
        ]
        features = {
            str(kind): [(str(w), float(s)) for w, s in words or []]
            for kind, words in (data.get("features") or {}).items()
        }
        return cls(
            action=str(data["action"]),
            code=str(data.get("code", "")),
            reason=str(data.get("reason", "")),
            phase=str(data.get("phase", "")),
            findings=findings,
            scores={str(k): float(v) for k, v in (data.get("scores") or {}).items()},
            features=features,
            thresholds={str(k): float(v) for k, v in (data.get("thresholds") or {}).items()},
            record=dict(data.get("record") or {}),
        )


class Rejected(Reconsider):
    """The reader must change something before the comment can be stored (text kept)."""

    def __init__(self, verdict: Verdict) -> None:
        self.verdict = verdict
        super().__init__(verdict.reason)


def _stamp_key(stamp: str) -> str:
    return "stamp-used:" + hashlib.sha256(stamp.encode()).hexdigest()[:24]


def spend_stamp(stamp: str | None) -> None:
    """Mark a form stamp used once its comment is stored: a bot replaying one harvested stamp
    gets its later comments held."""
    if stamp:
        cache.set(_stamp_key(stamp), 1, timeout=STAMP_MAX_AGE + 60)


# -- phases -------------------------------------------------------------------------------------

Phase = Callable[[Context, ModerationSettings, Verdict], None]


def rate_limits(ctx: Context, rules: ModerationSettings, verdict: Verdict) -> None:
    if ctx.rate_limit:
        # Raises RateLimited (answered with 429 and Retry-After by the view).
        hit(COMMENT_POST, ip=ctx.ip, email=ctx.email, account=ctx.user.pk if ctx.user else None)


def bot_traps(ctx: Context, rules: ModerationSettings, verdict: Verdict) -> None:
    if ctx.honeypot.strip():
        verdict.add(
            Finding("bot_traps", SPAM, "honeypot", "Filled in the field hidden from people.")
        )
    if ctx.form_stamp is None or rules.min_seconds_to_submit == 0:
        return
    try:
        loaded = signing.loads(ctx.form_stamp, salt=FORM_STAMP_SALT, max_age=STAMP_MAX_AGE)
        shown, confirm = float(loaded[0]), bool(loaded[1])
    except (signing.BadSignature, TypeError, ValueError, IndexError, KeyError):
        verdict.add(
            Finding(
                "bot_traps",
                HOLD,
                "bad_form_stamp",
                "The form's timestamp was missing, forged or more than a day old.",
            )
        )
        return
    if cache.get(_stamp_key(ctx.form_stamp)):
        verdict.add(
            Finding(
                "bot_traps", HOLD, "reused_form_stamp", "The form was already used for a comment."
            )
        )
    elapsed = ctx.now.timestamp() - shown
    if elapsed < rules.min_seconds_to_submit:
        verdict.add(
            Finding(
                "bot_traps",
                HOLD if confirm else SPAM,
                "too_fast",
                f"Submitted {elapsed:.1f}s after the form was shown.",
            )
        )


def duplicates(ctx: Context, rules: ModerationSettings, verdict: Verdict) -> None:
    from byline.discussion.models import Comment, text_hash

    text = " ".join(ctx.body.split())
    if len(text) < 12:
        return  # "Thanks!" twice is not a flood
    # The indexed hash finds candidates and the text itself confirms them, in one query that
    # is almost always empty; who posted them is decided here.
    recent = Comment.objects.filter(
        body_hash=text_hash(ctx.body), created_at__gte=ctx.now - timedelta(days=1), body=ctx.body
    ).values_list("post_id", "user_id", "ip_address")[:200]
    ip = _as_stored(ctx.ip)
    others: set[int] = set()
    for post_id, user_id, ip_address in recent:
        if ctx.user is not None:
            same_person = user_id == ctx.user.pk
        else:  # without an address there is no telling who it is: only the flood check
            same_person = user_id is None and ip is not None and ip_address == ip
        if post_id == ctx.post_id:
            if same_person:
                verdict.add(
                    Finding(
                        "duplicates", SPAM, "duplicate", "The same text was posted here already."
                    )
                )
                return
        else:
            others.add(post_id)
    if len(others) >= 2:
        verdict.add(
            Finding("duplicates", SPAM, "flood", "The same text was posted on several posts.")
        )


def _as_stored(ip: str | None) -> str | None:
    """An address as ``Comment.ip_address`` stores it (IPv6 in its compressed form)."""
    if not ip or ":" not in ip:
        return ip
    try:
        return clean_ipv6_address(ip)
    except ValidationError:
        return ip


def bans(ctx: Context, rules: ModerationSettings, verdict: Verdict) -> None:
    active = list(Ban.objects.active())
    if not active:
        return
    email = ctx.email.lower()
    domain = email.rpartition("@")[2]
    try:
        address = ipaddress.ip_address(ctx.ip) if ctx.ip else None
    except ValueError:
        address = None
    for ban in active:
        matched = _ban_matches(ban, ctx, email, domain, address)
        if matched:
            verdict.add(
                Finding("bans", SPAM, f"ban_{ban.kind}", f"Banned ({ban}). {ban.reason}".strip())
            )
            return


def _ban_matches(
    ban: Ban,
    ctx: Context,
    email: str,
    domain: str,
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None,
) -> bool:
    if ban.kind == Ban.Kind.ACCOUNT:
        return ctx.user is not None and ctx.user.username == ban.value
    if ban.kind == Ban.Kind.EMAIL:
        return bool(email) and email == ban.value
    if ban.kind == Ban.Kind.DOMAIN:
        return bool(domain) and (domain == ban.value or domain.endswith("." + ban.value))
    if address is None:
        return False
    if ban.kind == Ban.Kind.IP:
        return str(address) == ban.value
    return address in ipaddress.ip_network(ban.value)


def word_lists(ctx: Context, rules: ModerationSettings, verdict: Verdict) -> None:
    terms = list(Term.objects.values_list("term", "action"))
    if not terms:
        return
    haystack = "\n".join([ctx.name, ctx.email, ctx.url, ctx.ip or "", ctx.body]).lower()
    for term, action in sorted(terms, key=lambda t: t[1] != Term.Action.BLOCK):
        if term.lower() in haystack:
            finding = (
                Finding("word_lists", SPAM, "blocked_term", f"Contains the blocked term “{term}”.")
                if action == Term.Action.BLOCK
                else Finding("word_lists", HOLD, "held_term", f"Contains the held term “{term}”.")
            )
            verdict.add(finding)
            return


def links(ctx: Context, rules: ModerationSettings, verdict: Verdict) -> None:
    count = len(_LINK.findall(ctx.body))
    if count > rules.link_limit:
        verdict.add(
            Finding(
                "links", HOLD, "too_many_links", f"{count} links (the limit is {rules.link_limit})."
            )
        )


def site_holds(ctx: Context, rules: ModerationSettings, verdict: Verdict) -> None:
    """The site's "hold every new comment for review" (discussion settings)."""
    from byline.discussion.services import holds_all_from

    if holds_all_from(ctx.user, ctx.post_author_id):
        verdict.add(
            Finding(
                "site_holds",
                HOLD,
                "hold_all",
                "This site has every new comment checked by a moderator before it appears.",
            )
        )


def trust(ctx: Context, rules: ModerationSettings, verdict: Verdict) -> None:
    if rules.trust_threshold == 0:
        return
    from byline.accounts.models import VerifiedEmail
    from byline.discussion.models import Comment

    if ctx.user is not None:
        if ctx.user.pk == ctx.post_author_id or is_moderator(ctx.user):
            return
        approved = Comment.objects.filter(user=ctx.user, status=Comment.Status.PUBLIC).count()
        who = "this account"
    elif (
        ctx.proven_email
        and ctx.proven_email == ctx.email.strip().lower()
        and (VerifiedEmail.is_verified(ctx.email))
    ):
        approved = Comment.objects.filter(
            user__isnull=True, author_email__iexact=ctx.email, status=Comment.Status.PUBLIC
        ).count()
        who = "this verified email address"
    else:
        # A typed name or email proves nothing: anyone can type them. Only a browser that
        # followed the verification link for this address counts.
        approved, who = 0, "a guest whose email address is not verified in this browser"
    if approved >= rules.trust_threshold:
        return
    if rules.new_commenters == ModerationSettings.NewCommenters.HOLD_UNLESS_CONFIDENT:
        from byline.moderation.calibration import confident_below

        scored = _scored(ctx, verdict)
        if all(s.score < confident_below(s.kind) for s in scored):
            verdict.add(
                Finding(
                    "trust",
                    APPROVE,
                    "new_commenter_confident",
                    f"First comments from {who} are checked unless the classifiers are "
                    "confident they are fine, and they are ("
                    + ", ".join(f"{s.kind} {s.score:.2f}" for s in scored)
                    + ").",
                )
            )
            return
    verdict.add(
        Finding(
            "trust",
            HOLD,
            "new_commenter",
            f"First comments from {who} are checked ({approved} approved so far, "
            f"{rules.trust_threshold} needed).",
        )
    )


def _scored(ctx: Context, verdict: Verdict) -> list[Any]:
    """The classifiers' opinions of this submission, computed once per run."""
    if verdict.scored is None:
        from dataclasses import asdict

        from byline.moderation.scoring import inputs_for_context, score_inputs

        inputs = inputs_for_context(ctx)
        verdict.record = asdict(inputs.record)
        verdict.scored = list(score_inputs(inputs))
    return verdict.scored


def _over(score: float, threshold: float) -> bool:
    # A threshold of 1 turns the classifier's verdicts off (scores are still recorded).
    return threshold < 1.0 and score >= threshold


def classifiers(ctx: Context, rules: ModerationSettings, verdict: Verdict) -> None:
    from byline.moderation.calibration import current_thresholds

    thresholds = current_thresholds(rules)
    verdict.thresholds = {k: round(v, 4) for k, v in thresholds.items()}
    for scored in _scored(ctx, verdict):
        kind, score, features = scored.kind, scored.score, scored.features
        verdict.scores[kind] = round(score, 4)
        verdict.features[kind] = features
        words = ", ".join(f"“{w}”" for w, s in features if s > 0)[:200]
        if kind == "spam" and _over(score, thresholds["spam"]):
            verdict.add(
                Finding("classifiers", SPAM, "spam_score", f"Spam score {score:.2f} ({words}).")
            )
        elif kind == "abuse" and _over(score, thresholds["abuse"]):
            if rules.nudge and not ctx.nudge_acknowledged and ctx.form_stamp is not None:
                verdict.add(
                    Finding(
                        NUDGE,
                        REJECT,
                        "nudge",
                        "This comment may come across as abusive. You can revise it, or post it "
                        "as it is and a moderator will review it before it appears.",
                    )
                )
            else:
                verdict.add(
                    Finding(
                        "classifiers", HOLD, "abuse_score", f"Abuse score {score:.2f} ({words})."
                    )
                )


PHASES: list[Phase] = [
    rate_limits,
    bot_traps,
    duplicates,
    bans,
    word_lists,
    links,
    site_holds,
    trust,
    classifiers,
]


# The phases that judge the text itself: an edit, or a comment that did not come through the
# form (an import), passes these again. Findings from the others (trust, bot traps, the site's
# hold) are about the submission and stay with the comment.
CONTENT_PHASES: list[Phase] = [bans, word_lists, links, classifiers]
CONTENT_FINDING_PHASES = frozenset({phase.__name__ for phase in CONTENT_PHASES} | {NUDGE})


def run(ctx: Context, phases: list[Phase] | None = None, verdict: Verdict | None = None) -> Verdict:
    """Run every phase; raise ``Rejected`` if the reader must act, else return the verdict
    (``verdict``: add to these earlier findings instead of starting afresh)."""
    rules = ModerationSettings.current()
    verdict = verdict or Verdict()
    for phase in phases or PHASES:
        phase(ctx, rules, verdict)
    if verdict.action == REJECT:
        raise Rejected(verdict)
    return verdict
