"""How the classifiers learn the site's standards from its moderators.

A moderator's decision becomes a ``TrainingLabel`` (approve → neither spam nor abuse; mark as
spam → spam; remove as abusive → abuse) in the decision's own transaction. After it commits,
``learn_new_labels`` takes the newest stored model of that kind, learns every label newer than
the model's watermark (one FTRL step each, well under a millisecond) and stores the result as
the next ``ClassifierVersion``. Every process scores with the newest version (see
``scoring.current_model``), so several app processes agree. ``retrain`` replays all labels from
the shipped weights, which is also how a label a moderator changed is finally unlearned.

Before each label is learned the model scores it: that "progressive validation" accuracy is
what ``byline classifiers report`` shows, and it improves as the site layer learns.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from byline.accounts.models import User
from byline.discussion.models import Comment
from byline.moderation.classifier import TextClassifier, load_starting_model
from byline.moderation.models import ClassifierVersion, TrainingLabel

KINDS = ("spam", "abuse")
KEEP_VERSIONS = 10
RECENT = 50  # the report's "recent decisions" window


def label(comment: Comment, kind: str, positive: bool, *, by: User | None) -> None:
    """Record a moderator's decision about ``comment`` as a training label for ``kind`` and
    learn it once the transaction commits. A changed mind replaces the earlier label."""
    if kind not in KINDS:
        raise ValueError(f"unknown classifier {kind!r}")
    existing = TrainingLabel.objects.filter(comment=comment, kind=kind).first()
    if existing is not None:
        if existing.positive == positive:
            return
        existing.delete()  # a new row gets a new id, so the watermark sees it
    TrainingLabel.objects.create(comment=comment, kind=kind, positive=positive, moderator=by)
    transaction.on_commit(lambda: learn_new_labels(kind))


def _newest(kind: str) -> ClassifierVersion | None:
    return ClassifierVersion.objects.filter(kind=kind).order_by("-version").first()


def _empty_metrics() -> dict[str, Any]:
    return {"last_label_id": 0, "seen": 0, "correct": 0, "tp": 0, "fp": 0, "fn": 0, "recent": []}


def _learn(model: TextClassifier, metrics: dict[str, Any], labels: list[TrainingLabel]) -> None:
    """Score then learn each label, updating the progressive-validation counts."""
    recent: list[int] = list(metrics.get("recent", []))
    for item in labels:
        predicted = model.score(item.comment.body) >= 0.5
        actual = bool(item.positive)
        metrics["seen"] += 1
        metrics["correct"] += int(predicted == actual)
        metrics["tp"] += int(predicted and actual)
        metrics["fp"] += int(predicted and not actual)
        metrics["fn"] += int(actual and not predicted)
        recent.append(int(predicted == actual))
        model.learn(item.comment.body, 1.0 if actual else 0.0)
        metrics["last_label_id"] = item.pk
    metrics["recent"] = recent[-RECENT:]


def _store(kind: str, model: TextClassifier, metrics: dict[str, Any], previous: int) -> None:
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
    pending = list(
        TrainingLabel.objects.filter(kind=kind, pk__gt=metrics.get("last_label_id", 0))
        .select_related("comment")
        .order_by("pk")
    )
    if not pending:
        return None
    _learn(model, metrics, pending)
    try:
        with transaction.atomic():
            _store(kind, model, metrics, version)
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
    labels = list(TrainingLabel.objects.filter(kind=kind).select_related("comment").order_by("pk"))
    _learn(model, metrics, labels)
    newest = _newest(kind)
    _store(kind, model, metrics, newest.version if newest else 0)
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


def current_score(kind: str, text: str) -> float:
    """``text``'s score under the model every process uses now."""
    from byline.moderation.scoring import current_model

    return current_model(kind).score(text)
