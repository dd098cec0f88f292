"""The site's own model of each kind: the shipped text model as a prior, plus a layer refit on
every decision the site's moderators made, reading the whole submission.

``score = sigmoid(shipped(body) + site(inputs))``: the shipped model (trained on public corpora,
:mod:`byline.moderation.training`) reads the body; the site layer reads everything in
:func:`byline.moderation.inputs.site_features` — body words, name, website, email domain, links,
the commenter's record — and has a bias of its own, so the site's decisions can move what
crosses a threshold, not only re-rank. With no decisions the site layer is empty and the shipped
model speaks alone.

The site layer is *refit* from scratch over all of the site's labels (:meth:`SiteModel.fit`:
L2-regularised logistic regression with the shipped model's log-odds as a fixed offset, solved
by SciPy's L-BFGS, classes weighted to balance), not nudged one decision at a time as the
hand-written FTRL layer did: one decision then teaches as much as it can (no per-step learning
rate or L1 threshold to get over), and a moderator who changes their mind is unlearned at the
next refit. bench/moderation/as_a_site.py measured both; the refit won (see its README). A refit
of a few hundred labels takes milliseconds and runs in the background
(:mod:`byline.moderation.learning`).
"""

from __future__ import annotations

import json
import struct
import sys
import zlib
from collections.abc import Iterable, Sequence
from itertools import accumulate
from typing import Any

from byline.moderation.classifier import TextClassifier, _f32, _Layer, _sigmoid, load_starting_model
from byline.moderation.features import extract, feature_hash
from byline.moderation.inputs import Inputs, site_features

FORMAT = "byline-site-model/1"
_MAGIC = b"BYLS1\n"
_LEN = struct.Struct("<I")

#: The stored layer's FTRL settings (kept so a site layer loads like any other weight set).
SITE_LAYER: dict[str, Any] = {"alpha": 0.3, "beta": 1.0, "l1": 0.0, "l2": 1.0}
#: L2 strength of the refit, per unit of total example weight; chosen on
#: bench/moderation/as_a_site.py (see its README). Larger: one decision moves less.
L2 = 0.5
#: Weights smaller than this are not stored (they cannot move a score by 0.1 %).
MIN_WEIGHT = 1e-3


#: The shipped model's log-odds enter the site layer as two features whose prior weight is 1
#: (the shipped model as it is, until the site's decisions say otherwise): what it read in the
#: words, and what it read in links, addresses and shape. The shipped spam model learned on
#: YouTube, where almost every link is spam; on a commentary site readers cite their sources,
#: and a site's decisions can now weigh that part down without unlearning the words.
SHIPPED_TEXT = feature_hash("__shipped_model__")
SHIPPED_SIGNALS = feature_hash("__shipped_model_signals__")

#: What the site layer starts from, and is pulled back towards, before any decision: general
#: knowledge about spam that no public corpus of comment *bodies* teaches — disguised links, a
#: link in the name, a keyword-phrase name, shop-like websites, top-level domains abused for
#: spam (Spamhaus's and others' public lists), and the commenter's record here. Small
#: log-odds, so the site's decisions outweigh any of them within a few examples.
_SPAMMY_TLDS = ("shop", "top", "xyz", "online", "store", "site", "click", "buzz", "icu", "vip",
                "live", "fun", "win", "loan", "bid", "cfd", "sbs")  # fmt: skip
PRIORS: dict[str, dict[str, float]] = {
    "spam": {
        "x:obfuscated": 3.0,
        "n:phrase": 1.0,
        "s:short_body": 0.5,
        "n:link": 2.0,
        "n:len4": 0.5,
        "n:len5": 1.0,
        "s:hyphens": 0.75,
        "s:path": 0.5,
        "x:repeats": 0.75,
        "x:phone": 0.75,
        "x:messenger": 1.5,
        "s:phrase_name": 1.5,
        "d:reference": -3.0,
        **{f"s:tld:{tld}": 0.75 for tld in _SPAMMY_TLDS},
        **{f"d:tld:{tld}": 0.75 for tld in _SPAMMY_TLDS},
        "h:approved1": -0.5,
        "h:approved2": -1.0,
        "h:approved3": -1.5,
        "h:approved4": -2.0,
        "h:removed1": 1.0,
        "h:removed2": 1.5,
        "h:removed3": 2.0,
    },
    "abuse": {
        "h:approved3": -0.25,
        "h:approved4": -0.5,
        "h:removed1": 0.5,
        "h:removed2": 0.75,
        "h:removed3": 1.0,
    },
}


def prior_weights(kind: str) -> dict[int, float]:
    """The site layer before any decision, by feature id."""
    weights = {feature_hash(name): w for name, w in PRIORS.get(kind, {}).items()}
    weights[SHIPPED_TEXT] = weights[SHIPPED_SIGNALS] = 1.0
    return weights


def fit_logistic(
    examples: Sequence[tuple[Featurized, bool]], *, l2: float, prior: dict[int, float]
) -> tuple[dict[int, float], float]:
    """Minimise Σ wᵢ·logloss(yᵢ, xᵢ·β + b) + l2/2·|β − prior|² (β sparse, b not penalised) by
    L-BFGS. Returns the weights that differ from zero, every prior weight included, and the
    bias."""
    import numpy as np
    from scipy.optimize import minimize
    from scipy.sparse import csr_matrix

    columns: dict[int, int] = {}
    indptr, indices, data = [0], [], []
    for (idx, values), _positive in examples:
        for i, v in zip(idx, values, strict=True):
            indices.append(columns.setdefault(i, len(columns)))
            data.append(v)
        indptr.append(len(indices))
    x = csr_matrix((data, indices, indptr), shape=(len(examples), len(columns)))
    y = np.array([1.0 if positive else 0.0 for _, positive in examples])
    positives = float(y.sum())
    negatives = len(y) - positives
    # Each class carries half of the total weight.
    sample = np.where(
        y > 0,
        len(y) / (2 * positives) if positives else 0.0,
        len(y) / (2 * negatives) if negatives else 0.0,
    )
    n_features = x.shape[1]
    centre = np.zeros(n_features)
    for i, w in prior.items():
        if i in columns:
            centre[columns[i]] = w

    def loss(theta: Any) -> tuple[float, Any]:
        beta, b = theta[:n_features], theta[n_features]
        z = x @ beta + b
        shift = beta - centre
        # log(1 + e^z) - y·z, computed stably.
        value = float(sample @ (np.logaddexp(0.0, z) - y * z)) + 0.5 * l2 * float(shift @ shift)
        g = sample * (1.0 / (1.0 + np.exp(-z)) - y)
        grad = np.empty(n_features + 1)
        grad[:n_features] = x.T @ g + l2 * shift
        grad[n_features] = g.sum()
        return value, grad

    start = np.append(centre, 0.0)
    found = minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 500})
    theta = found.x
    ids = list(columns)
    weights = dict(prior)  # priors of features no example had stay as they were
    for j, i in enumerate(ids):
        if abs(theta[j]) >= MIN_WEIGHT:
            weights[i] = float(theta[j])
        else:
            weights.pop(i, None)
    return weights, float(theta[n_features])


def _scoring_layer(header: dict[str, Any], data: bytes) -> _Layer:
    """A stored site layer with its weights only: a refit starts from scratch, so the FTRL
    state that ``_Layer.load`` rebuilds (a few tens of ms per version, in every process) is
    not needed to score."""
    from array import array

    layer = _Layer(**SITE_LAYER)
    layer.bias = float(header["bias"])
    count = int(header["weights"])
    if len(data) != 12 * count:
        raise ValueError("model arrays are truncated or corrupt")
    deltas, ws = array("I"), array("f")
    deltas.frombytes(data[: 4 * count])
    ws.frombytes(data[4 * count : 8 * count])
    if sys.byteorder == "big":  # pragma: no cover - the stored format is little-endian
        deltas.byteswap()
        ws.byteswap()
    keys = accumulate(deltas)
    layer.w = dict(zip(keys, ws, strict=True))
    return layer


Featurized = tuple[list[int], list[float]]  # feature ids and values, the shipped model's included


class SiteModel:
    """One kind's model for one site: the shipped text model plus the site layer."""

    def __init__(self, kind: str, base: TextClassifier | None = None) -> None:
        self.kind = kind
        self.base = base or load_starting_model(kind)
        self.layer = _Layer(**SITE_LAYER)
        self.layer.w = prior_weights(kind)
        #: How many labels the site layer was fit on.
        self.labels = 0

    # -- scoring -------------------------------------------------------------------------------

    def _shipped(self, body: str) -> tuple[float, float, list[tuple[str, float, bool]]]:
        """The shipped model's log-odds of ``body`` split in two (words; links, addresses and
        shape — the ``m:`` and ``d:`` features), with each source's contribution."""
        names, sources, values = extract(body or "", self.base.config)
        weights = self.base._base.w
        text, signals = self.base._base.bias, 0.0
        terms: list[tuple[str, float, bool]] = []
        seen: set[int] = set()
        for name, source, value in zip(names, sources, values, strict=True):
            i = feature_hash(name)
            if i in seen or i not in weights:
                continue
            seen.add(i)
            share = value * weights[i]
            is_signal = name.startswith(("m:", "d:"))
            if is_signal:
                signals += share
            else:
                text += share
            terms.append((source, share, is_signal))
        return text, signals, terms

    def featurize(self, inputs: Inputs) -> Featurized:
        """What :meth:`fit` and :meth:`score` need of one submission (cacheable per label)."""
        names, _sources, values = site_features(inputs)
        ids: dict[int, float] = {}
        for name, v in zip(names, values, strict=True):
            ids.setdefault(feature_hash(name), v)
        text, signals, _terms = self._shipped(inputs.body)
        ids[SHIPPED_TEXT], ids[SHIPPED_SIGNALS] = text, signals
        return list(ids), list(ids.values())

    def score(self, inputs: Inputs) -> float:
        """Probability in [0, 1] that the submission is spam (or abuse, for an abuse model)."""
        return self.score_featurized(self.featurize(inputs))

    def score_featurized(self, featurized: Featurized) -> float:
        return _sigmoid(self.layer.margin(*featurized))

    @property
    def threshold(self) -> float:
        """The shipped model's own operating point (a site's is in :mod:`calibration`)."""
        return self.base.threshold

    @property
    def version(self) -> str:
        """The shipped model's name plus how many site labels the site layer was fit on."""
        return f"{self.base.name}+site{self.labels}" if self.labels else self.base.name

    def score_many(self, texts: Iterable[str]) -> list[float]:
        return [self.score_text(t) for t in texts]

    def score_text(self, text: str) -> float:
        """The score of a body with nothing else known (held-out quality on public sets)."""
        return self.score(Inputs(body=text))

    def score_and_explain(
        self, inputs: Inputs, k: int = 5
    ) -> tuple[float, list[tuple[str, float]]]:
        """The score and the ``k`` words or signals that moved it most (signed log-odds)."""
        w = self.layer.w
        text, signals, terms = self._shipped(inputs.body)
        scale = {False: w.get(SHIPPED_TEXT, 0.0), True: w.get(SHIPPED_SIGNALS, 0.0)}
        margin = self.layer.bias + scale[False] * text + scale[True] * signals
        totals: dict[str, float] = {}
        for source, share, is_signal in terms:
            totals[source] = totals.get(source, 0.0) + scale[is_signal] * share
        names, sources, values = site_features(inputs)
        counted: set[int] = set()
        for name, source, value in zip(names, sources, values, strict=True):
            i = feature_hash(name)
            if i in counted or i not in w:
                continue
            counted.add(i)
            margin += value * w[i]
            totals[source] = totals.get(source, 0.0) + value * w[i]
        ranked = sorted(totals.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
        return _sigmoid(margin), [(s, round(c, 4)) for s, c in ranked[: max(0, k)] if round(c, 4)]

    # -- learning ------------------------------------------------------------------------------

    def fit(self, examples: Sequence[tuple[Featurized, bool]], *, seed: int = 0) -> None:
        """Refit the site layer from scratch on every (featurized submission, is positive).

        L2-regularised logistic regression with the shipped model's log-odds as a fixed offset,
        solved to convergence by L-BFGS (SciPy) over a sparse matrix of the labels' features.
        Each class carries half the total weight, so a site with 250 spam decisions and 20
        approvals does not learn "everything is spam"; the bias is learned and not penalised,
        so the site's own base rate shifts scores (the thresholds are then chosen on out-of-fold
        scores, see :mod:`calibration`). ``seed`` is kept for callers; the fit is deterministic.
        """
        self.layer = _Layer(**SITE_LAYER)
        self.layer.w = prior_weights(self.kind)
        self.labels = len(examples)
        if not examples:
            return
        weights, bias = fit_logistic(examples, l2=L2, prior=prior_weights(self.kind))
        self.layer.w = {i: _f32(w) for i, w in weights.items()}
        self.layer.bias = _f32(bias)

    # -- storage -------------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The site layer only (the shipped model is named, not copied: it ships with Byline)."""
        header = json.dumps(
            {
                "format": FORMAT,
                "kind": self.kind,
                "base": self.base.name,
                "labels": self.labels,
                "layer": self.layer.header(),
            },
            sort_keys=True,
        ).encode()
        body = _LEN.pack(len(header)) + header + self.layer.arrays()
        return _MAGIC + zlib.compress(body, 6)

    @classmethod
    def from_bytes(cls, data: bytes, kind: str) -> SiteModel:
        """Load a stored site layer over today's shipped model. Bytes in the older format (a
        whole text model learned one decision at a time) load as an empty site layer: the
        next refit rebuilds it from the labels."""
        model = cls(kind)
        if not data.startswith(_MAGIC):
            return model
        try:
            body = zlib.decompress(data[len(_MAGIC) :])
            (size,) = _LEN.unpack_from(body)
            header: dict[str, Any] = json.loads(body[_LEN.size : _LEN.size + size])
            if header.get("format") != FORMAT or header.get("kind") != kind:
                raise ValueError("not a site model of this kind")
            model.layer = _scoring_layer(header["layer"], body[_LEN.size + size :])
            model.labels = int(header.get("labels", 0))
        except (zlib.error, struct.error, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"stored {kind} site model is corrupt: {exc}") from exc
        return model
