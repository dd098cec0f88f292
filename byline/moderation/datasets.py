"""Readers for the labelled data sets the starting weights are trained and checked on.

The data live outside the repository (``../shared/datasets`` next to a checkout); see each
set's ``README.md`` there and ``weights/CREDITS.md`` here. None of their text is copied into
Byline: only weights derived from them are shipped.

Every reader returns :class:`Example` rows with a binary ``label`` (1 = spam / abuse) and,
where the data give one, a soft ``target`` in [0, 1] (the share of annotators who chose the
positive class). :func:`split` is the one seeded train/held-out split everybody uses, keyed
on the normalised text (or a stable id) so duplicate texts never straddle the two sides.
"""

from __future__ import annotations

import csv
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .features import normalise

YOUTUBE = "youtube-spam-collection"
DAVIDSON = "davidson-hate-offensive"
WIKIPEDIA = "wikipedia-toxicity-identity-testset"
HATECHECK = "hatecheck"

#: The 13 identity terms of the Wikipedia identity test set (Dixon et al. 2018).
IDENTITY_TERMS = (
    "christian", "catholic", "protestant", "muslim", "sikh", "jewish", "jew",
    "lesbian", "gay", "transgender", "queer", "homosexual", "heterosexual",
)  # fmt: skip
_IDENTITY_RE = re.compile(r"\b(" + "|".join(IDENTITY_TERMS) + r")\b", re.IGNORECASE)


@dataclass(frozen=True)
class Example:
    text: str
    label: int  # 1 = spam / abuse / hateful, 0 = ham / acceptable
    target: float  # soft label: share of annotators for the positive class (= label if unknown)
    group: str  # video, Davidson class, HateCheck functionality, "identity"/"random" …
    key: str  # what the split is keyed on


def _key(text: str) -> str:
    return " ".join(normalise(text).split())


def _rows(path: Path) -> Iterable[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def load_youtube(root: Path) -> list[Example]:
    """YouTube Spam Collection v1: 1,956 comments on five videos, ``CLASS`` 1 = spam."""
    out: list[Example] = []
    for path in sorted((root / YOUTUBE).glob("Youtube0*.csv")):
        video = path.stem.split("-", 1)[-1]
        for row in _rows(path):
            text = row["CONTENT"].replace("\ufeff", "").strip()
            label = int(row["CLASS"])
            out.append(Example(text, label, float(label), video, _key(text)))
    return out


def load_davidson(root: Path) -> list[Example]:
    """Davidson et al. 2017 tweets: hate speech (0) and offensive (1) → abusive, neither (2) → not.

    ``target`` is the share of annotators who chose hate or offensive; ``group`` is
    ``hate`` / ``offensive`` / ``neither``.
    """
    names = {"0": "hate", "1": "offensive", "2": "neither"}
    out: list[Example] = []
    for row in _rows(root / DAVIDSON / "labeled_data.csv"):
        text = row["tweet"]
        count = int(row["count"])
        abusive = int(row["hate_speech"]) + int(row["offensive_language"])
        label = int(row["class"] != "2")
        out.append(Example(text, label, abusive / count, names[row["class"]], _key(text)))
    return out


def load_wikipedia(root: Path, *, fuzzed: bool = False) -> list[Example]:
    """Wikipedia Talk toxicity identity test set; ``key`` is the ``rev_id`` shared by both files.

    ``group`` is ``identity`` for the rows chosen for an identity term (checked on the
    non-fuzzed text) and ``random`` for the others.
    """
    plain = list(_rows(root / WIKIPEDIA / "toxicity_nonfuzzed_testset.csv"))
    identity = {r["rev_id"] for r in plain if _IDENTITY_RE.search(r["comment"])}
    name = "toxicity_fuzzed_testset.csv" if fuzzed else "toxicity_nonfuzzed_testset.csv"
    rows = _rows(root / WIKIPEDIA / name) if fuzzed else plain
    out: list[Example] = []
    for row in rows:
        text = row["comment"].replace("``", '"')
        label = int(row["toxic"] == "True")
        group = "identity" if row["rev_id"] in identity else "random"
        out.append(Example(text, label, float(label), group, row["rev_id"]))
    return out


def load_hatecheck(root: Path) -> list[Example]:
    """HateCheck functional tests (evaluation only); ``group`` is the functionality."""
    out: list[Example] = []
    for row in _rows(root / HATECHECK / "test_suite_cases.csv"):
        text = row["test_case"].strip()
        label = int(row["label_gold"] == "hateful")
        out.append(Example(text, label, float(label), row["functionality"], row["case_id"]))
    return out


def in_test(key: str, *, seed: int, test_fraction: float) -> bool:
    """Whether ``key`` falls in the held-out part of the seeded split (stable across runs)."""
    h = zlib.crc32(f"{seed}\x00{key}".encode())
    return h / 2**32 < test_fraction


def split(
    examples: Iterable[Example], *, seed: int = 1, test_fraction: float = 0.3
) -> tuple[list[Example], list[Example]]:
    """Seeded (train, held-out) split keyed on ``Example.key``; duplicates stay together."""
    train: list[Example] = []
    test: list[Example] = []
    for ex in examples:
        (test if in_test(ex.key, seed=seed, test_fraction=test_fraction) else train).append(ex)
    return train, test


def default_root() -> Path:
    """``../shared/datasets`` beside the checkout (the layout of the development machines)."""
    return Path(__file__).resolve().parents[3] / "shared" / "datasets"
