"""The score at which each classifier acts, chosen from the site's own decisions.

A threshold the site typed in (``ModerationSettings.spam_threshold`` / ``abuse_threshold``) is
used as it is. Left empty (the default), it is the lowest score that keeps the share of the
site's good comments flagged at the site's target (``spam_target`` / ``abuse_target``: 1 % and
2 % by default). "Good comments" are the ones moderators approved, scored *out of fold*: each
refit also fits the model on two thirds of the labels and scores the third it did not see, three
times over, so every label has a score from a model that never learned it. Until a site has
:data:`MIN_NEGATIVES` approvals the shipped models' own operating points are used.

The same scores give the estimate the classifiers page shows (precision, recall and the share
of good comments flagged at the threshold in use), and the "confidently fine" level below which
a new commenter's first comment may skip the queue (``ModerationSettings.new_commenters``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from byline.moderation.models import ModerationSettings

#: Used until a site has enough decisions to choose its own. The shipped spam model's own
#: operating point (0.72, 1 % false positives on YouTube comments) flags about 5 % of a
#: commentary site's good comments, which cite sources and run long; these flag about 1 %
#: (spam) and 1.5 % (abuse) on bench/moderation's development set.
SHIPPED = {"spam": 0.95, "abuse": 0.6}
#: Below these, with too few decisions to tell, a comment counts as confidently fine.
SHIPPED_CONFIDENT = {"spam": 0.3, "abuse": 0.25}
#: Approved comments needed before a threshold is chosen from them.
MIN_NEGATIVES = 30
#: Positive decisions needed before the "confidently fine" level is chosen from them.
MIN_POSITIVES = 20
#: The share of positives allowed below the "confidently fine" level.
CONFIDENT_MISS = 0.02
#: Chosen thresholds stay below the near-copy score, so a near-copy always acts.
MAX_THRESHOLD = 0.99
#: … and never fall below these: a spam verdict is not reviewed by anyone, and held-out scores
#: of a few hundred decisions can all be tiny (a site whose approved comments resemble each
#: other), which once chose 0.065 and filed 55 good comments as spam in bench/moderation's
#: stream. Below "even odds" a model's spam verdict is not one to act on unseen.
MIN_THRESHOLD = {"spam": 0.5, "abuse": 0.4}


def _target(kind: str, rules: ModerationSettings) -> float:
    return float(rules.spam_target if kind == "spam" else rules.abuse_target)


def choose_threshold(negatives: Sequence[float], target: float) -> float | None:
    """The lowest score at or above which at most ``target`` of ``negatives`` fall; None with
    too few to tell. Ties at the threshold count as flagged."""
    if len(negatives) < MIN_NEGATIVES:
        return None
    ranked = sorted(negatives, reverse=True)
    allowed = math.floor(target * len(ranked) + 1e-9)
    if allowed >= len(ranked):
        return 0.0
    # Just above the first negative that may not be flagged.
    return min(MAX_THRESHOLD, math.nextafter(ranked[allowed], 1.0))


def choose_confident(positives: Sequence[float], threshold: float) -> float | None:
    """The score below which at most :data:`CONFIDENT_MISS` of ``positives`` fall (and at most
    half the threshold); None with too few positives to tell."""
    if len(positives) < MIN_POSITIVES:
        return None
    ranked = sorted(positives)
    allowed = math.floor(CONFIDENT_MISS * len(ranked))
    return min(ranked[allowed], threshold / 2)


def estimate(
    positives: Sequence[float], negatives: Sequence[float], threshold: float
) -> dict[str, Any]:
    """Precision, recall and the share of good comments flagged at ``threshold``."""
    tp = sum(1 for s in positives if s >= threshold)
    fp = sum(1 for s in negatives if s >= threshold)
    recall = tp / len(positives) if positives else None
    flagged = fp / len(negatives) if negatives else None
    precision = tp / (tp + fp) if tp + fp else None
    return {
        "threshold": round(threshold, 5),
        "recall": recall,
        "flagged_good": flagged,
        "precision": precision,
        # For people: "catches 96.5 % of spam, flags 1.0 % of good comments".
        "recall_pct": None if recall is None else round(100 * recall, 1),
        "flagged_good_pct": None if flagged is None else round(100 * flagged, 1),
        "precision_pct": None if precision is None else round(100 * precision, 1),
        "positives": len(positives),
        "negatives": len(negatives),
    }


def measure(
    kind: str,
    scores: Sequence[float],
    positive: Sequence[bool],
    rules: ModerationSettings | None = None,
) -> dict[str, Any]:
    """What a refit stores about its out-of-fold ``scores``: the threshold and "confidently
    fine" level they support, and the estimate at the threshold."""
    rules = rules or ModerationSettings.current()
    # Rounded first: the stored scores and the threshold chosen on them must agree exactly.
    pos = sorted(round(s, 5) for s, p in zip(scores, positive, strict=True) if p)
    neg = sorted(round(s, 5) for s, p in zip(scores, positive, strict=True) if not p)
    chosen = choose_threshold(neg, _target(kind, rules))
    confident = choose_confident(pos, chosen if chosen is not None else SHIPPED[kind])
    return {
        "positives": len(pos),
        "negatives": len(neg),
        "target": _target(kind, rules),
        "chosen_threshold": chosen,
        "confident_below": confident,
        # The top of each (where thresholds fall) for the estimate on the classifiers page.
        "scores": {"positive": pos[-2000:], "negative": neg[-2000:]},
    }


def _metrics(kind: str) -> dict[str, Any]:
    from byline.moderation.scoring import current_metrics

    return current_metrics(kind)


def current_thresholds(rules: ModerationSettings | None = None) -> dict[str, float]:
    """The score at or above which each classifier acts now, per kind."""
    rules = rules or ModerationSettings.current()
    typed = {"spam": rules.spam_threshold, "abuse": rules.abuse_threshold}
    out = {}
    for kind, value in typed.items():
        if value is not None:
            out[kind] = float(value)
            continue
        chosen = _metrics(kind).get("chosen_threshold")
        out[kind] = max(MIN_THRESHOLD[kind], float(chosen)) if chosen is not None else SHIPPED[kind]
    return out


def confident_below(kind: str) -> float:
    """Scores under this count as confidently fine (new commenters' first comments)."""
    found = _metrics(kind).get("confident_below")
    if found is None:
        return min(SHIPPED_CONFIDENT[kind], current_thresholds()[kind] / 2)
    return min(float(found), current_thresholds()[kind] / 2)


def threshold_source(kind: str, rules: ModerationSettings | None = None) -> str:
    """Where the threshold in use comes from, in words for the classifiers page."""
    rules = rules or ModerationSettings.current()
    if (rules.spam_threshold if kind == "spam" else rules.abuse_threshold) is not None:
        return "set in the moderation settings"
    metrics = _metrics(kind)
    if metrics.get("chosen_threshold") is not None:
        return (
            f"chosen from {metrics['negatives']} approved comments to flag at most "
            f"{metrics['target']:.0%} of them"
        )
    return (
        f"the shipped default, until {MIN_NEGATIVES} comments are approved "
        f"({metrics.get('negatives', 0)} so far)"
    )


def current_estimate(kind: str) -> dict[str, Any]:
    """Precision, recall and good comments flagged at the threshold in use, from the newest
    refit's out-of-fold scores ({} before the first refit)."""
    metrics = _metrics(kind)
    scores = metrics.get("scores") or {}
    if not scores:
        return {}
    return estimate(
        scores.get("positive", []), scores.get("negative", []), current_thresholds()[kind]
    )
