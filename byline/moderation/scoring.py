"""Scoring a comment with the site's current spam and abuse classifiers.

The newest ``ClassifierVersion`` of each kind is used; a site that has not trained one yet uses
the starting weights shipped with Byline. Models are cached per process and reloaded when a
newer version appears (one cheap query per comment).
"""

from __future__ import annotations

from collections.abc import Iterator

from byline.moderation.classifier import TextClassifier, load_starting_model
from byline.moderation.models import ClassifierVersion

KINDS = ("spam", "abuse")
_cache: dict[str, tuple[int, TextClassifier]] = {}


def current_model(kind: str) -> TextClassifier:
    """The model to score with: the newest stored version, else the shipped weights."""
    newest = ClassifierVersion.objects.filter(kind=kind).order_by("-version").only("version")
    version = newest.values_list("version", flat=True).first() or 0
    cached = _cache.get(kind)
    if cached is None or cached[0] != version:
        if version:
            data = ClassifierVersion.objects.get(kind=kind, version=version).data
            model = TextClassifier.from_bytes(bytes(data))
        else:
            model = load_starting_model(kind)
        _cache[kind] = (version, model)
    return _cache[kind][1]


def score_comment(text: str) -> Iterator[tuple[str, float, list[tuple[str, float]]]]:
    """(kind, score in [0, 1], the features that drove it) for each classifier."""
    for kind in KINDS:
        model = current_model(kind)
        yield kind, model.score(text), model.explain(text, k=5)
