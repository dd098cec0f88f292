"""Scoring a submission with the site's current spam and abuse models.

The newest ``ClassifierVersion`` of each kind holds the site layer (:mod:`sitemodel`); a site
that has not learned one yet scores with the shipped weights alone. Models are cached per
process and reloaded when a newer version appears; the newest version number is kept in the
shared cache (Redis or a folder every process of the site reads), so scoring costs no query
for it. A near-copy of a comment moderators already decided (:mod:`nearcopy`) scores at least
:data:`NEAR_COPY_SCORE`, whatever the model says.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.cache import caches
from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from byline.moderation import nearcopy
from byline.moderation.inputs import Inputs, Record, email_domain
from byline.moderation.models import ClassifierVersion
from byline.moderation.sitemodel import SiteModel

if TYPE_CHECKING:
    from byline.discussion.models import Comment
    from byline.moderation.pipeline import Context

logger = logging.getLogger(__name__)
KINDS = ("spam", "abuse")
# A lost invalidation (a process dying between commit and the cache delete) heals this soon.
VERSION_CACHE_SECONDS = 60
#: The score of a near-copy of a decided comment: above any threshold a site would choose.
NEAR_COPY_SCORE = 0.995
_lock = threading.Lock()
_cache: dict[str, tuple[tuple[int, float], SiteModel, dict[str, Any]]] = {}


def _version_key(kind: str) -> str:
    return f"classifier-version:{kind}"


def newest_version(kind: str) -> tuple[int, float]:
    """The newest stored version of ``kind`` as (number, creation time); (0, 0) for the shipped
    weights. Read through the shared cache so that scoring a comment costs no query;
    ``version_changed`` keeps it true. The time tells apart two versions with the same number
    (after a reset)."""
    store = caches["shared"]
    try:
        found = store.get(_version_key(kind))
    except Exception:  # a cache outage: ask the database
        found = None
    if found is None:
        newest = ClassifierVersion.objects.filter(kind=kind).order_by("-version")
        row = newest.values_list("version", "created_at").first()
        found = (row[0], row[1].timestamp()) if row else (0, 0.0)
        try:
            store.set(_version_key(kind), found, VERSION_CACHE_SECONDS)
        except Exception:
            logger.warning("shared cache unavailable; classifier versions read from the database")
    return int(found[0]), float(found[1])


def version_changed(kind: str) -> None:
    """Call after storing or deleting versions of ``kind`` (every process rereads it)."""
    try:
        caches["shared"].delete(_version_key(kind))
    except Exception:
        # Another process may keep the old version up to VERSION_CACHE_SECONDS.
        logger.warning("shared cache unavailable; %s classifier version not announced", kind)


def on_version_saved_or_deleted(
    sender: object, instance: ClassifierVersion, **kwargs: object
) -> None:
    """Signal receiver: forget the cached newest version now (this process, this transaction)
    and again once the change commits (another process may have cached the old number in
    between)."""
    kind = instance.kind
    version_changed(kind)
    transaction.on_commit(lambda: version_changed(kind))


def _load(kind: str) -> tuple[SiteModel, dict[str, Any]]:
    version = newest_version(kind)
    with _lock:
        cached = _cache.get(kind)
    if cached is not None and cached[0] == version:
        return cached[1], cached[2]
    stored = ClassifierVersion.objects.filter(kind=kind, version=version[0]).first()
    if stored is not None:
        model, metrics = SiteModel.from_bytes(bytes(stored.data), kind), dict(stored.metrics)
    else:  # none yet, or the cached number is stale (versions were reset)
        if version[0]:
            version_changed(kind)
        model, metrics = SiteModel(kind), {}
    with _lock:
        _cache[kind] = (version, model, metrics)
    return model, metrics


def current_model(kind: str) -> SiteModel:
    """The model to score with: the newest stored site layer over the shipped weights."""
    return _load(kind)[0]


def current_metrics(kind: str) -> dict[str, Any]:
    """What the newest refit measured (held-out scores, the threshold it chose); {} if none."""
    return _load(kind)[1]


def forget() -> None:
    """Drop this process's models and near-copy indexes (tests; after a reset)."""
    with _lock:
        _cache.clear()
    nearcopy.forget()


@dataclass(frozen=True)
class Scored:
    """One classifier's opinion of a submission."""

    kind: str
    score: float
    features: list[tuple[str, float]]
    near_copy: nearcopy.Match | None = None


def score_inputs(inputs: Inputs) -> Iterator[Scored]:
    """Each classifier's score of ``inputs``, with the words or signals behind it."""
    for kind in KINDS:
        score, features = current_model(kind).score_and_explain(inputs, k=5)
        match = nearcopy.index_for(kind).match(inputs, kind)
        if match is not None:
            score = max(score, NEAR_COPY_SCORE)
            features = [(f"[near-copy: {match.reason}]", 5.0), *features[:4]]
        yield Scored(kind, score, features, match)


def score_comment(text: str) -> Iterator[tuple[str, float, list[tuple[str, float]]]]:
    """(kind, score, features) of a body with nothing else known (screening old comments)."""
    for scored in score_inputs(Inputs(body=text)):
        yield scored.kind, scored.score, scored.features


# -- what is known of a submission --------------------------------------------------------------


def _record(
    *, user_id: int | None, email: str, proven: bool, now: datetime, exclude: int | None
) -> Record:
    from byline.discussion.models import Comment

    taken_down = (Comment.Status.REMOVED, Comment.Status.SPAM)
    if user_id is not None:
        rows = Comment.objects.filter(user_id=user_id)
    elif email:
        rows = Comment.objects.filter(user__isnull=True, author_email__iexact=email.strip())
    else:
        return Record()
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    found = rows.aggregate(
        approved=Count("pk", filter=Q(status=Comment.Status.PUBLIC)),
        removed=Count("pk", filter=Q(status__in=taken_down)),
        first=Min("created_at"),
    )
    if not proven:
        # A typed address proves nothing: its good record is not this person's to claim; its
        # bad record counts (typing a spammer's address only hurts whoever types it).
        return Record(removed=found["removed"] or 0)
    first = found["first"]
    return Record(
        proven=True,
        account=user_id is not None,
        approved=found["approved"] or 0,
        removed=found["removed"] or 0,
        days_known=round((now - first).total_seconds() / 86400, 2) if first else 0.0,
    )


def inputs_for_context(ctx: Context) -> Inputs:
    """What the classifiers read of a submission going through the pipeline."""
    from byline.accounts.models import VerifiedEmail

    email = (ctx.user.email if ctx.user is not None else ctx.email) or ""
    proven = ctx.user is not None or bool(
        ctx.proven_email
        and ctx.proven_email == ctx.email.strip().lower()
        and VerifiedEmail.is_verified(ctx.email)
    )
    record = _record(
        user_id=ctx.user.pk if ctx.user is not None else None,
        email=ctx.email,
        proven=proven,
        now=ctx.now,
        exclude=None,
    )
    name = ctx.name
    if ctx.user is not None and not name:
        name = ctx.user.get_full_name() or ctx.user.get_username()
    return Inputs(
        body=ctx.body, name=name, website=ctx.url, email_domain=email_domain(email), record=record
    )


def inputs_for_comment(comment: Comment) -> Inputs:
    """What the classifiers read of a stored comment: its fields, and the commenter's record as
    the pipeline saw it when the comment was submitted (else as it is now, without this one)."""
    stored = (
        (comment.moderation or {}).get("record") if isinstance(comment.moderation, dict) else None
    )
    if isinstance(stored, dict):
        record = Record.from_json(stored)
    else:
        record = _record(
            user_id=comment.user_id,
            email=comment.author_email or "",
            proven=comment.user_id is not None,
            now=comment.created_at or timezone.now(),
            exclude=comment.pk,
        )
    user = comment.user if comment.user_id else None
    email = (user.email if user is not None else comment.author_email) or ""
    return Inputs(
        body=comment.body,
        name=comment.author_name or (user.get_full_name() or user.get_username() if user else ""),
        website=comment.author_url or "",
        email_domain=email_domain(email),
        record=record,
    )
