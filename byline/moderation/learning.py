"""How the classifiers learn the site's standards from its moderators.

A moderator's decision becomes a ``TrainingLabel`` (approve → neither spam nor abuse; mark as
spam → spam; remove as abusive → abuse) in the decision's own transaction. After it commits,
``learn_new_labels`` takes the newest stored model of that kind, learns every label it has not
learned yet (``learned_in`` is null; not by id order, since on PostgreSQL a lower id can commit
later), one FTRL step each, and stores the result as the next ``ClassifierVersion``. Every
process scores with the newest version (see
``scoring.current_model``), so several app processes agree. ``retrain`` replays all labels from
the shipped weights, which is also how a label a moderator changed is finally unlearned.

Before each label is learned the model scores it: that "progressive validation" accuracy is
what ``byline classifiers report`` shows, and it improves as the site layer learns.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import IntegrityError, transaction

from byline.accounts.models import User
from byline.discussion.models import Comment
from byline.moderation.classifier import TextClassifier, load_starting_model
from byline.moderation.models import ClassifierVersion, TrainingLabel

logger = logging.getLogger(__name__)
KINDS = ("spam", "abuse")
KEEP_VERSIONS = 10
RECENT = 50  # the report's "recent decisions" window


_deferred: ContextVar[set[str] | None] = ContextVar("byline_learning_deferred", default=None)


@contextmanager
def deferred() -> Iterator[None]:
    """Record labels inside this block without learning each one; learn every kind touched
    once at the end (a bulk action of 500 decisions stores one model per kind, not 1,000)."""
    kinds: set[str] = set()
    token = _deferred.set(kinds)
    try:
        yield
    finally:
        _deferred.reset(token)
    for kind in sorted(kinds):
        _learn_safely(kind)


def _learn_safely(kind: str) -> None:
    # Runs after the decision committed: a failure here must not turn the moderator's saved
    # decision into an error page. The label stays unlearned; the next decision retries it.
    try:
        learn_new_labels(kind)
    except Exception:
        logger.exception("learning %s labels failed; will retry at the next decision", kind)


def label(comment: Comment, kind: str, positive: bool, *, by: User | None) -> None:
    """Record a moderator's decision about ``comment`` as a training label for ``kind`` and
    learn it once the transaction commits. A changed mind replaces the earlier label."""
    if kind not in KINDS:
        raise ValueError(f"unknown classifier {kind!r}")
    existing = TrainingLabel.objects.filter(comment=comment, kind=kind).first()
    if existing is not None:
        if existing.positive == positive:
            return
        existing.delete()  # the new decision is learned as a new label
    TrainingLabel.objects.create(
        comment=comment, kind=kind, positive=positive, text=comment.body, moderator=by
    )
    batch = _deferred.get()
    if batch is not None:
        batch.add(kind)
    else:
        transaction.on_commit(lambda: _learn_safely(kind))


def _newest(kind: str) -> ClassifierVersion | None:
    return ClassifierVersion.objects.filter(kind=kind).order_by("-version").first()


def _empty_metrics() -> dict[str, Any]:
    return {"seen": 0, "correct": 0, "tp": 0, "fp": 0, "fn": 0, "recent": []}


def _learn(model: TextClassifier, metrics: dict[str, Any], labels: list[TrainingLabel]) -> None:
    """Score then learn each label, updating the progressive-validation counts."""
    recent: list[int] = list(metrics.get("recent", []))
    for item in labels:
        predicted = model.score(item.text) >= 0.5
        actual = bool(item.positive)
        metrics["seen"] += 1
        metrics["correct"] += int(predicted == actual)
        metrics["tp"] += int(predicted and actual)
        metrics["fp"] += int(predicted and not actual)
        metrics["fn"] += int(actual and not predicted)
        recent.append(int(predicted == actual))
        model.learn(item.text, 1.0 if actual else 0.0)
    metrics["recent"] = recent[-RECENT:]


def _store(
    kind: str,
    model: TextClassifier,
    metrics: dict[str, Any],
    previous: int,
    labels: list[TrainingLabel],
) -> None:
    TrainingLabel.objects.filter(pk__in=[item.pk for item in labels]).update(
        learned_in=previous + 1
    )
    ClassifierVersion.objects.create(
        kind=kind,
        version=previous + 1,
        data=model.to_bytes(),
        metrics=metrics,
        decisions=metrics["seen"],
    )
    stale = ClassifierVersion.objects.filter(kind=kind, version__lte=previous + 1 - KEEP_VERSIONS)
    stale.delete()


def learn_new_labels(kind: str) -> ClassifierVersion | None:
    """Learn the labels the newest model has not seen; store the next version. Returns it, or
    None when there was nothing new (or another process stored that version first)."""
    newest = _newest(kind)
    if newest is None:
        model, metrics, version = load_starting_model(kind), _empty_metrics(), 0
    else:
        model = TextClassifier.from_bytes(bytes(newest.data))
        metrics, version = dict(newest.metrics) or _empty_metrics(), newest.version
    pending = list(TrainingLabel.objects.filter(kind=kind, learned_in__isnull=True).order_by("pk"))
    if not pending:
        return None
    _learn(model, metrics, pending)
    try:
        with transaction.atomic():
            _store(kind, model, metrics, version, pending)
    except IntegrityError:
        return None  # another process stored this version; the next decision catches up
    return _newest(kind)


@transaction.atomic
def retrain(kind: str, *, by: User | None = None) -> ClassifierVersion:
    """Start again from the shipped weights and learn every current label in order; the new
    version and its audit row commit together."""
    from byline.moderation.audit import record
    from byline.moderation.models import AuditEntry

    before = report(kind)
    model, metrics = load_starting_model(kind), _empty_metrics()
    labels = list(TrainingLabel.objects.filter(kind=kind).order_by("pk"))
    _learn(model, metrics, labels)
    newest = _newest(kind)
    _store(kind, model, metrics, newest.version if newest else 0, labels)
    version = _newest(kind)
    assert version is not None
    record(
        AuditEntry.Action.RETRAIN,
        actor=by,
        target=f"{kind} classifier v{version.version}",
        reason=f"Relearned {metrics['seen']} moderator decisions from the shipped weights.",
        before={"version": before["version"], "accuracy": before["accuracy"]},
        after={"version": version.version, "accuracy": report(kind)["accuracy"]},
    )
    return version


@transaction.atomic
def reset(kind: str, *, by: User | None = None) -> int:
    """Delete the stored versions of ``kind`` so the shipped weights are used again; labels are
    kept (the next decision relearns them all). Returns how many versions were deleted."""
    from byline.moderation.audit import record
    from byline.moderation.models import AuditEntry

    deleted, _ = ClassifierVersion.objects.filter(kind=kind).delete()
    TrainingLabel.objects.filter(kind=kind).update(learned_in=None)
    if deleted:
        record(
            AuditEntry.Action.RETRAIN,
            actor=by,
            target=f"{kind} classifier",
            reason=f"Reset to the shipped starting weights ({deleted} versions deleted)",
            after={"version": 0},
        )
    return deleted


def report(kind: str) -> dict[str, Any]:
    """How the current model of ``kind`` has done on the decisions it learned from."""
    newest = _newest(kind)
    metrics = dict(newest.metrics) if newest else _empty_metrics()
    seen = metrics.get("seen", 0)
    tp, fp, fn = metrics.get("tp", 0), metrics.get("fp", 0), metrics.get("fn", 0)
    recent = metrics.get("recent", [])
    return {
        "kind": kind,
        "version": newest.version if newest else 0,
        "source": "learned on this site" if newest else "shipped starting weights",
        "decisions": seen,
        "labels": TrainingLabel.objects.filter(kind=kind).count(),
        "accuracy": metrics.get("correct", 0) / seen if seen else None,
        "precision": tp / (tp + fp) if tp + fp else None,
        "recall": tp / (tp + fn) if tp + fn else None,
        "recent_accuracy": sum(recent) / len(recent) if recent else None,
        "recent_count": len(recent),
        "created_at": newest.created_at if newest else None,
    }
