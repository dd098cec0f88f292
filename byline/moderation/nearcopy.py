"""Near-copies of comments moderators already decided: one decision stops a spam run.

Spam and harassment come in waves: the same message with a few words swapped, from a new name,
pointing at another shop of the same network. A model refit needs several examples to learn a
new wave; this index needs one. For each kind it keeps, from the site's newest labels:

* the body of every positive label (spam / abusive) as a set of hashed character 5-grams of its
  folded text, in an inverted index, so a new comment's overlap with all of them is counted in
  one pass over its own shingles (Jaccard similarity, no pairwise loop);
* for spam, the domains positive labels pointed at (website field, links, a non-free email
  domain), minus every domain seen on an approved comment.

A comment whose body is at least :data:`MIN_CHARS` long and :data:`SIMILAR` similar to a positive
label, and not as similar to an approved one (generic praise is written by real readers too), is
a near-copy; so is a comment pointing at a spam domain. The index is rebuilt when the site's
labels change (a generation number in the shared cache) and kept per process.
"""

from __future__ import annotations

import logging
import threading
import time
import zlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.cache import caches

from byline.moderation.inputs import Inputs, link_domains, normalised_body

logger = logging.getLogger(__name__)
SHINGLE = 5
#: Jaccard similarity of character 5-grams at or above which two bodies are near-copies.
SIMILAR = 0.5
#: Shorter bodies ("Great post, thanks!") are said by real readers too; they match by domain only.
MIN_CHARS = 40
#: How many of the newest labels per kind the index keeps.
KEEP = 5000
GENERATION_SECONDS = 60

_lock = threading.Lock()
_indexes: dict[str, tuple[tuple[Any, float], Index]] = {}


def shingles(text: str) -> frozenset[int]:
    """Hashed character 5-grams of the folded body."""
    norm = normalised_body(text)
    return frozenset(
        zlib.crc32(norm[i : i + SHINGLE].encode()) for i in range(max(1, len(norm) - SHINGLE + 1))
    )


def domains_of(inputs: Inputs) -> set[str]:
    """Domains a submission points readers at: its website field and its links. (An email
    domain is read by the models but never matched here: a spammer writing from a company's
    domain must not put that company's staff under suspicion.)"""
    found = set(link_domains(inputs.body)) | set(link_domains(inputs.name))
    if inputs.website.strip():
        found |= set(link_domains(inputs.website))
    return {d for d in found if d and "." in d}


@dataclass(frozen=True)
class Match:
    """Why a comment counts as a near-copy of a decided one."""

    label_id: int
    similarity: float  # 1.0 for a domain match
    reason: str


class Index:
    """Positive and negative labels of one kind, searchable by body and by domain."""

    def __init__(self) -> None:
        self._postings: dict[int, list[int]] = defaultdict(list)  # shingle → positive rows
        self._sizes: list[int] = []
        self._ids: list[int] = []
        self._ham_postings: dict[int, list[int]] = defaultdict(list)
        self._ham_sizes: list[int] = []
        self.spam_domains: dict[str, int] = {}
        self.ham_domains: set[str] = set()
        #: Every label this index holds, and the newest of them.
        self.ids: set[int] = set()
        self.newest = 0

    def add(self, label_id: int, inputs: Inputs, positive: bool, *, domains: bool) -> None:
        self.ids.add(label_id)
        self.newest = max(self.newest, label_id)
        body = normalised_body(inputs.body)
        if positive:
            if len(body) >= MIN_CHARS:
                grams = shingles(inputs.body)
                row = len(self._ids)
                self._ids.append(label_id)
                self._sizes.append(len(grams))
                for g in grams:
                    self._postings[g].append(row)
            if domains:
                for domain in domains_of(inputs):
                    self.spam_domains.setdefault(domain, label_id)
        else:
            if len(body) >= MIN_CHARS:
                grams = shingles(inputs.body)
                row = len(self._ham_sizes)
                self._ham_sizes.append(len(grams))
                for g in grams:
                    self._ham_postings[g].append(row)
            self.ham_domains |= domains_of(inputs)

    @staticmethod
    def _best(
        grams: frozenset[int], postings: dict[int, list[int]], sizes: list[int]
    ) -> tuple[int, float]:
        overlap: dict[int, int] = defaultdict(int)
        for g in grams:
            for row in postings.get(g, ()):
                overlap[row] += 1
        best, best_row = 0.0, -1
        for row, shared in overlap.items():
            jaccard = shared / (len(grams) + sizes[row] - shared)
            if jaccard > best:
                best, best_row = jaccard, row
        return best_row, best

    def match(self, inputs: Inputs, kind: str) -> Match | None:
        """The decided comment this one copies, if any."""
        for domain in sorted(domains_of(inputs)):
            if domain in self.spam_domains and domain not in self.ham_domains:
                return Match(
                    self.spam_domains[domain],
                    1.0,
                    f"points at {domain}, like comments marked as spam",
                )
        if len(normalised_body(inputs.body)) < MIN_CHARS or not self._ids:
            return None
        grams = shingles(inputs.body)
        row, similarity = self._best(grams, self._postings, self._sizes)
        if row < 0 or similarity < SIMILAR:
            return None
        _, ham_similarity = self._best(grams, self._ham_postings, self._ham_sizes)
        if ham_similarity >= similarity:
            return None  # as close to an approved comment: generic text, not a copy
        what = "marked as spam" if kind == "spam" else "removed as abusive"
        return Match(self._ids[row], similarity, f"{similarity:.0%} like a comment {what}")


def _generation_key(kind: str) -> str:
    return f"classifier-labels:{kind}"


def labels_changed(kind: str) -> None:
    """Call after a label of ``kind`` is stored or deleted: every process rebuilds its index."""
    try:
        caches["shared"].set(_generation_key(kind), _new_generation(), GENERATION_SECONDS * 60)
    except Exception:
        # Other processes rebuild when their generation expires (or at once, on an outage).
        logger.warning("shared cache unavailable; %s near-copy indexes not announced", kind)


def _new_generation() -> str:
    import secrets

    return secrets.token_hex(8)


def _generation(kind: str) -> Any:
    try:
        found = caches["shared"].get(_generation_key(kind))
    except Exception:
        return None
    if found is None:
        found = _new_generation()
        try:
            caches["shared"].add(_generation_key(kind), found, GENERATION_SECONDS * 60)
            found = caches["shared"].get(_generation_key(kind), found)
        except Exception:
            return None
    return found


def _rows(kind: str, after: int = 0) -> list[tuple[int, bool, str, Any]]:
    from byline.moderation.models import TrainingLabel

    rows = TrainingLabel.objects.filter(kind=kind, pk__gt=after).order_by("-pk")
    return list(rows.values_list("pk", "positive", "text", "signals")[:KEEP])


def _build(kind: str) -> Index:
    index = Index()
    for pk, positive, text, signals in reversed(_rows(kind)):
        index.add(pk, Inputs.from_json(text, signals), positive, domains=kind == "spam")
    return index


def _refreshed(kind: str, index: Index) -> Index:
    """``index`` with the labels stored since it was built; rebuilt when a label it holds was
    deleted (a changed mind, a reset) or it has grown past :data:`KEEP`."""
    from byline.moderation.models import TrainingLabel

    known = set(
        TrainingLabel.objects.filter(kind=kind, pk__lte=index.newest).values_list("pk", flat=True)
    )
    if known != index.ids or len(index.ids) > KEEP:
        return _build(kind)
    for pk, positive, text, signals in reversed(_rows(kind, after=index.newest)):
        index.add(pk, Inputs.from_json(text, signals), positive, domains=kind == "spam")
    return index


def index_for(kind: str) -> Index:
    """This process's index of ``kind``, brought up to date when the site's labels changed
    (with the shared cache down, at most once every :data:`GENERATION_SECONDS`)."""
    generation = _generation(kind)
    now = time.monotonic()
    with _lock:
        cached = _indexes.get(kind)
    if cached is not None:
        (known, built), index = cached
        if generation is not None and known == generation:
            return index
        if generation is None and now - built < GENERATION_SECONDS:
            return index
    with _lock:  # one thread brings it up to date; the index is not safe to grow concurrently
        cached = _indexes.get(kind)
        index = _build(kind) if cached is None else _refreshed(kind, cached[1])
        _indexes[kind] = ((generation, now), index)
    return index


def forget() -> None:
    """Drop this process's indexes (tests; a reset of the labels)."""
    with _lock:
        _indexes.clear()
