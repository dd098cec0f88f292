"""How the classifiers learn the site's standards from its moderators.

A moderator's decision becomes a ``TrainingLabel`` (approve → neither spam nor abuse; mark as
spam → spam; remove as abusive → abuse) in the decision's own transaction. The label keeps what
the classifiers read (the text, name, website, email domain and the commenter's record, never
the address) and the score the current model gave the comment *before* learning it: those
held-out scores are what thresholds are chosen on (:mod:`calibration`) and what the classifiers
page reports.

Once the decision commits, two things follow:

* the near-copy index (:mod:`nearcopy`) is rebuilt in every process: the next copy of a comment
  just marked as spam is caught at once;
* the kind's site model is **refit** over all of the site's labels (:meth:`SiteModel.fit`) in a
  background thread of the process that made the decision, and stored as the next
  ``ClassifierVersion``; every process scores with the newest. Decisions made while a refit runs
  are picked up by one more refit, not one each, so a bulk action of 500 costs two refits.

``retrain`` refits at once (the classifiers page, ``byline classifiers retrain``); ``reset``
goes back to the shipped weights until the next decision.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, transaction

from byline.accounts.models import User
from byline.discussion.models import Comment
from byline.moderation import calibration, nearcopy, scoring
from byline.moderation.inputs import Inputs
from byline.moderation.models import ClassifierVersion, TrainingLabel
from byline.moderation.sitemodel import Featurized, SiteModel

logger = logging.getLogger(__name__)
KINDS = ("spam", "abuse")
KEEP_VERSIONS = 10
#: A refit reads at most this many of the newest labels of a kind.
MAX_LABELS = 5000
RECENT = 50  # the report's "recent decisions" window


_deferred: ContextVar[set[str] | None] = ContextVar("byline_learning_deferred", default=None)


@contextmanager
def deferred() -> Iterator[None]:
    """Record labels inside this block without scheduling a refit for each; schedule every
    kind touched once at the end (a bulk action of 500 decisions refits once per kind)."""
    kinds: set[str] = set()
    token = _deferred.set(kinds)
    try:
        yield
    finally:
        _deferred.reset(token)
    for kind in sorted(kinds):
        transaction.on_commit(lambda kind=kind: _labels_changed(kind))  # type: ignore[misc]


def label(comment: Comment, kind: str, positive: bool, *, by: User | None) -> None:
    """Record a moderator's decision about ``comment`` as a training label for ``kind``; the
    classifiers learn it once the transaction commits. A changed mind replaces the label."""
    if kind not in KINDS:
        raise ValueError(f"unknown classifier {kind!r}")
    existing = TrainingLabel.objects.filter(comment=comment, kind=kind).first()
    if existing is not None:
        if existing.positive == positive:
            return
        existing.delete()  # the new decision is learned as a new label
    inputs = scoring.inputs_for_comment(comment)
    TrainingLabel.objects.create(
        comment=comment,
        kind=kind,
        positive=positive,
        text=comment.body,
        # The score before learning it is added by the next refit (in the background: the
        # moderator does not wait for a model to load).
        signals=inputs.to_json(),
        moderator=by,
    )
    batch = _deferred.get()
    if batch is not None:
        batch.add(kind)
    else:
        transaction.on_commit(lambda: _labels_changed(kind))


def _labels_changed(kind: str) -> None:
    nearcopy.labels_changed(kind)
    if getattr(settings, "BYLINE_LEARN_IN_BACKGROUND", True):
        _schedule(kind)
    else:
        _refit_safely(kind)


# -- refitting in the background ----------------------------------------------------------------

_state_lock = threading.Lock()
_threads: dict[str, threading.Thread] = {}
_dirty: set[str] = set()


def _schedule(kind: str) -> None:
    """Refit ``kind`` in a background thread; if one is running, once more after it."""
    with _state_lock:
        _dirty.add(kind)
        running = _threads.get(kind)
        if running is not None and running.is_alive():
            return
        thread = threading.Thread(
            target=_refit_loop, args=(kind,), name=f"byline-refit-{kind}", daemon=True
        )
        _threads[kind] = thread
    thread.start()


def _refit_loop(kind: str) -> None:
    try:
        while True:
            with _state_lock:
                if kind not in _dirty:
                    _threads.pop(kind, None)
                    return
                _dirty.discard(kind)
            close_old_connections()  # this thread's own connection, if it went stale
            _refit_safely(kind)
    finally:
        connection.close()  # this thread's own connection


def wait(timeout: float = 60.0) -> bool:
    """Wait until no refit is pending or running in this process (benchmarks, tests, the
    ``classifiers`` command). True if all finished in time."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with _state_lock:
            alive = [t for t in _threads.values() if t.is_alive()]
        if not alive:
            return True
        alive[0].join(max(0.0, deadline - time.monotonic()))
    return False


def _refit_safely(kind: str) -> None:
    # Runs after the decision committed: a failure here must not turn the moderator's saved
    # decision into an error page. The labels stay; the next decision or retrain refits.
    try:
        refit(kind)
    except Exception:
        logger.exception("refitting the %s classifier failed; the next decision retries", kind)


# Featurized labels, per process: a refit featurizes only the labels it has not seen.
_features_lock = threading.Lock()
_featurized: dict[tuple[str, int], Featurized] = {}


def _examples(model: SiteModel, labels: list[TrainingLabel]) -> list[tuple[Featurized, bool]]:
    out = []
    for item in labels:
        key = (model.kind, item.pk)
        with _features_lock:
            found = _featurized.get(key)
        if found is None:
            found = model.featurize(Inputs.from_json(item.text, item.signals))
            with _features_lock:
                _featurized[key] = found
        out.append((found, bool(item.positive)))
    return out


FOLDS = 3


def out_of_fold(
    kind: str, examples: list[tuple[Featurized, bool]], *, folds: int = FOLDS
) -> list[float]:
    """Each example's score from a model fit on the other folds (never on the example)."""
    scores = [0.0] * len(examples)
    for fold in range(folds):
        model = SiteModel(kind)
        model.fit([e for j, e in enumerate(examples) if j % folds != fold], seed=fold)
        for j in range(fold, len(examples), folds):
            scores[j] = model.score_featurized(examples[j][0])
    return scores


def _score_before_learning(kind: str, new: list[TrainingLabel]) -> None:
    """Keep on each new label the score the model in use gave it, and the threshold then in
    force: an honest record of how the classifier guessed before it learned (the report)."""
    if not new:
        return
    model = scoring.current_model(kind)
    threshold = round(calibration.current_thresholds()[kind], 5)
    for item in new:
        if isinstance(item.signals, dict) and "heldout" not in item.signals:
            inputs = Inputs.from_json(item.text, item.signals)
            item.signals = {**item.signals, "heldout": round(model.score(inputs), 5),
                            "threshold": threshold}  # fmt: skip
            TrainingLabel.objects.filter(pk=item.pk).update(signals=item.signals)


def refit(kind: str) -> ClassifierVersion | None:
    """Fit ``kind``'s site layer on every current label and store it as the next version
    (with the thresholds its out-of-fold scores support). None if another process stored that
    version number first (its refit saw the same labels or more)."""
    labels = list(TrainingLabel.objects.filter(kind=kind).order_by("-pk")[:MAX_LABELS])
    labels.reverse()
    _score_before_learning(kind, [item for item in labels if item.learned_in is None])
    model = SiteModel(kind)
    examples = _examples(model, labels)
    model.fit(examples)
    metrics = calibration.measure(
        kind, out_of_fold(kind, examples), [positive for _, positive in examples]
    )
    newest = ClassifierVersion.objects.filter(kind=kind).order_by("-version").first()
    number = (newest.version if newest else 0) + 1
    try:
        with transaction.atomic():
            version = ClassifierVersion.objects.create(
                kind=kind,
                version=number,
                data=model.to_bytes(),
                metrics=metrics,
                decisions=len(labels),
            )
            TrainingLabel.objects.filter(pk__in=[item.pk for item in labels]).update(
                learned_in=number
            )
            ClassifierVersion.objects.filter(
                kind=kind, version__lte=number - KEEP_VERSIONS
            ).delete()
    except IntegrityError:
        return None
    return version


@transaction.atomic
def retrain(kind: str, *, by: User | None = None) -> ClassifierVersion:
    """Refit from every current label now; the new version and its audit row commit
    together."""
    from byline.moderation.audit import record
    from byline.moderation.models import AuditEntry

    before = report(kind)
    version = refit(kind)
    if version is None:
        raise IntegrityError("another process stored this version at the same moment")
    record(
        AuditEntry.Action.RETRAIN,
        actor=by,
        target=f"{kind} classifier v{version.version}",
        reason=f"Refit on {version.decisions} moderator decisions over the shipped weights.",
        before={"version": before["version"], "threshold": before["threshold"]},
        after={"version": version.version, "threshold": report(kind)["threshold"]},
    )
    return version


@transaction.atomic
def reset(kind: str, *, by: User | None = None) -> int:
    """Delete the stored versions of ``kind`` so the shipped weights are used again; labels are
    kept (the next decision refits on them all). Returns how many versions were deleted."""
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
    """How ``kind``'s classifier does on this site, from held-out scores of its decisions."""
    newest = ClassifierVersion.objects.filter(kind=kind).order_by("-version").first()
    metrics: dict[str, Any] = dict(newest.metrics) if newest else {}
    recent = list(
        TrainingLabel.objects.filter(kind=kind)
        .order_by("-pk")
        .values_list("positive", "signals")[:RECENT]
    )
    threshold = calibration.current_thresholds()[kind]
    # Each guess is judged by the threshold in force when it was made.
    right = [
        (float(signals["heldout"]) >= float(signals.get("threshold", threshold))) == positive
        for positive, signals in recent
        if isinstance(signals, dict) and "heldout" in signals
    ]
    return {
        "kind": kind,
        "version": newest.version if newest else 0,
        "source": "refit on this site's decisions" if newest else "shipped starting weights",
        "decisions": newest.decisions if newest else 0,
        "labels": TrainingLabel.objects.filter(kind=kind).count(),
        "threshold": threshold,
        "threshold_source": calibration.threshold_source(kind),
        "estimate": calibration.current_estimate(kind),
        "positives": metrics.get("positives", 0),
        "negatives": metrics.get("negatives", 0),
        "recent_accuracy": sum(right) / len(right) if right else None,
        "recent_count": len(right),
        "created_at": newest.created_at if newest else None,
    }
