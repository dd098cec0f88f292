"""Scoring a comment with the site's current spam and abuse classifiers.

The newest ``ClassifierVersion`` of each kind is used; a site that has not trained one yet uses
the starting weights shipped with Byline. Models are cached per process and reloaded when a
newer version appears; the newest version number is kept in Django's cache (shared through
Redis when several processes run), so scoring a comment costs no database query.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.core.cache import cache
from django.db import transaction

from byline.moderation.classifier import TextClassifier, load_starting_model
from byline.moderation.models import ClassifierVersion

KINDS = ("spam", "abuse")
# A lost invalidation (a process dying between commit and the cache delete) heals this soon.
VERSION_CACHE_SECONDS = 60
_cache: dict[str, tuple[tuple[int, float], TextClassifier]] = {}


def _version_key(kind: str) -> str:
    return f"classifier-version:{kind}"


def newest_version(kind: str) -> tuple[int, float]:
    """The newest stored version of ``kind`` as (number, creation time); (0, 0) for the shipped
    weights. Read through the cache so that scoring a comment costs no query;
    ``version_changed`` keeps it true. The time tells apart two versions with the same number
    (after a reset)."""
    found = cache.get(_version_key(kind))
    if found is None:
        newest = ClassifierVersion.objects.filter(kind=kind).order_by("-version")
        row = newest.values_list("version", "created_at").first()
        found = (row[0], row[1].timestamp()) if row else (0, 0.0)
        cache.set(_version_key(kind), found, VERSION_CACHE_SECONDS)
    return int(found[0]), float(found[1])


def version_changed(kind: str) -> None:
    """Call after storing or deleting versions of ``kind`` (every process rereads it)."""
    cache.delete(_version_key(kind))


def on_version_saved_or_deleted(
    sender: object, instance: ClassifierVersion, **kwargs: object
) -> None:
    """Signal receiver: forget the cached newest version now (this process, this transaction)
    and again once the change commits (another process may have cached the old number in
    between)."""
    kind = instance.kind
    version_changed(kind)
    transaction.on_commit(lambda: version_changed(kind))


def current_model(kind: str) -> TextClassifier:
    """The model to score with: the newest stored version, else the shipped weights."""
    version = newest_version(kind)
    cached = _cache.get(kind)
    if cached is None or cached[0] != version:
        stored = ClassifierVersion.objects.filter(kind=kind, version=version[0]).first()
        if stored is not None:
            model = TextClassifier.from_bytes(bytes(stored.data))
        else:  # none yet, or the cached number is stale (versions were reset)
            version_changed(kind)
            model = load_starting_model(kind)
        _cache[kind] = (version, model)
    return _cache[kind][1]


def score_comment(text: str) -> Iterator[tuple[str, float, list[tuple[str, float]]]]:
    """(kind, score in [0, 1], the features that drove it) for each classifier."""
    for kind in KINDS:
        score, features = current_model(kind).score_and_explain(text, k=5)
        yield kind, score, features
