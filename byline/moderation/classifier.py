"""Small, explainable, incrementally trainable text classifiers for spam and abuse.

Design
------
* **Features** (:mod:`byline.moderation.features`): normalised word unigrams and bigrams,
  character 3–5-grams of every word and a few meta signals (links, e-mail, SHOUTING …), hashed
  to 32-bit ids with CRC-32. Nothing about the vocabulary is stored: the model is a sparse map
  ``feature id → weight``, and an explanation names features by re-reading the comment itself.
* **Model**: binary logistic regression trained online with FTRL-Proximal (McMahan et al.,
  "Ad Click Prediction: a View from the Trenches", KDD 2013): a per-feature adaptive learning
  rate (AdaGrad-like, so a feature never seen before learns fast while a well-established one
  moves slowly) and L1 regularisation that keeps most weights exactly zero, which is what keeps
  the shipped weights small.
* **Two layers**: the *base* weights come from :meth:`TextClassifier.fit` on a corpus (the
  shipped starting weights); a *site* layer starts empty and is added on top. The log-odds is
  the sum of both, so the site layer learns the site's corrections to the base.
* **Update rule**: :meth:`TextClassifier.learn` is one FTRL step of the site layer on one
  moderator decision (1 = spam/abuse, 0 = ham/acceptable, or a soft label), scaled by
  ``weight``. Because the site layer's per-feature rates start high, a few dozen decisions
  matter; :meth:`TextClassifier.forget` returns to the base. A decision costs about as much
  as scoring the comment (well under a millisecond).
* **Explanation**: the score is ``sigmoid(bias + Σ value·weight)``; :meth:`explain` sums the
  terms by the word they came from (a word's own weight plus its character n-grams), so
  "why?" is answered with the comment's words, each with its signed share of the log-odds.
* **Serialisation**: :meth:`to_bytes` / :meth:`from_bytes` (a zlib-compressed header + per
  layer three little-endian arrays; no pickle, so loading untrusted bytes cannot run code) and
  :meth:`to_json` / :meth:`from_json` (the same, with the arrays base64-encoded). A round trip
  gives identical scores. Only features with a non-zero weight are written: the optimiser
  state of zero-weight features is dropped, so *further learning* after a round trip can differ
  very slightly from learning on the original object.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import random
import struct
import sys
import zlib
from array import array
from collections.abc import Iterable, Sequence
from importlib.resources import files
from typing import Any

from .features import FeatureConfig, extract, feature_hash

FORMAT = "byline-moderation-classifier/1"
_MAGIC = b"BYLM1\n"
_F32 = struct.Struct("<f")


def _f32(x: float) -> float:
    """Round to the nearest float32, the precision weights are stored with."""
    return float(_F32.unpack(_F32.pack(x))[0])


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-min(x, 500.0)))
    e = math.exp(max(x, -500.0))
    return e / (1.0 + e)


class _Layer:
    """One FTRL-Proximal logistic-regression weight set (sparse: only non-zero weights kept)."""

    __slots__ = ("alpha", "beta", "bias", "bias_n", "l1", "l2", "learn_bias", "n", "w", "z")

    def __init__(
        self, alpha: float, beta: float, l1: float, l2: float, learn_bias: bool = True
    ) -> None:
        self.alpha, self.beta, self.l1, self.l2 = alpha, beta, l1, l2
        #: Whether steps move the bias (a site layer may leave the base's calibration alone).
        self.learn_bias = learn_bias
        self.z: dict[int, float] = {}
        self.n: dict[int, float] = {}
        self.w: dict[int, float] = {}
        self.bias = 0.0
        self.bias_n = 0.0

    def margin(self, idx: Sequence[int], values: Sequence[float]) -> float:
        w = self.w
        return self.bias + sum(w[i] * v for i, v in zip(idx, values, strict=True) if i in w)

    def step(self, idx: Sequence[int], values: Sequence[float], g: float) -> None:
        """Apply the log-loss gradient ``g = p - y`` (times the example weight) for one example."""
        # Bias: plain AdaGrad, not regularised.
        if self.learn_bias:
            self.bias_n += g * g
            self.bias -= self.alpha * g / (self.beta + math.sqrt(self.bias_n))
        z, n, w = self.z, self.n, self.w
        alpha, beta, l1, l2 = self.alpha, self.beta, self.l1, self.l2
        sqrt = math.sqrt
        for i, v in zip(idx, values, strict=True):
            gi = g * v
            gi2 = gi * gi
            n_old = n.get(i, 0.0)
            n_new = n_old + gi2
            sq_new = sqrt(n_new)
            zi = z.get(i, 0.0) + gi - (sq_new - sqrt(n_old)) / alpha * w.get(i, 0.0)
            z[i] = zi
            n[i] = n_new
            if -l1 <= zi <= l1:
                w.pop(i, None)
            else:
                w[i] = -(zi - math.copysign(l1, zi)) / ((beta + sq_new) / alpha + l2)

    def round(self, idx: Iterable[int] | None = None) -> None:
        """Round weights to float32, the precision they are stored in (round trips are exact)."""
        w = self.w
        for i in list(w) if idx is None else idx:
            if i in w:
                w[i] = _f32(w[i])
        self.bias = _f32(self.bias)

    def header(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "alpha": self.alpha,
            "beta": self.beta,
            "l1": self.l1,
            "l2": self.l2,
            "bias": self.bias,
            "bias_n": self.bias_n,
            "weights": len(self.w),
        }
        if not self.learn_bias:  # written only when off: older files stay byte-identical
            out["learn_bias"] = False
        return out

    def arrays(self) -> bytes:
        keys = sorted(self.w)
        deltas = array("I", (k - p for k, p in zip(keys, [0, *keys][: len(keys)], strict=True)))
        ws = array("f", (self.w[k] for k in keys))
        ns = array("f", (self.n.get(k, 0.0) for k in keys))
        if sys.byteorder == "big":  # pragma: no cover - the stored format is little-endian
            for a in (deltas, ws, ns):
                a.byteswap()
        return deltas.tobytes() + ws.tobytes() + ns.tobytes()

    @classmethod
    def load(cls, header: dict[str, Any], data: bytes) -> _Layer:
        layer = cls(
            header["alpha"],
            header["beta"],
            header["l1"],
            header["l2"],
            bool(header.get("learn_bias", True)),
        )
        layer.bias = float(header["bias"])
        layer.bias_n = float(header["bias_n"])
        count = int(header["weights"])
        if len(data) != 12 * count:
            raise ValueError("model arrays are truncated or corrupt")
        deltas, ws, ns = array("I"), array("f"), array("f")
        deltas.frombytes(data[: 4 * count])
        ws.frombytes(data[4 * count : 8 * count])
        ns.frombytes(data[8 * count :])
        if sys.byteorder == "big":  # pragma: no cover
            for a in (deltas, ws, ns):
                a.byteswap()
        key = 0
        alpha, beta, l1, l2 = layer.alpha, layer.beta, layer.l1, layer.l2
        for d, wi, ni in zip(deltas, ws, ns, strict=True):
            key += d
            layer.w[key] = wi
            layer.n[key] = ni
            # Invert w = -(z - sign(z)·l1) / ((beta + sqrt(n)) / alpha + l2) for the FTRL state.
            layer.z[key] = -wi * ((beta + math.sqrt(ni)) / alpha + l2) - math.copysign(l1, wi)
        return layer


class TextClassifier:
    """A binary text classifier: ``score(text)`` is the probability of the positive class.

    ``kind`` names what positive means (``"spam"``, ``"abuse"``). Two weight sets add up:

    * the **base**, trained by :meth:`fit` on a labelled corpus (the shipped starting weights);
    * the **site** layer, trained one decision at a time by :meth:`learn` / :meth:`partial_fit`.
      It starts empty, so its per-feature learning rates are high: a few dozen of a site's
      own moderator decisions move scores noticeably, where they would be a drop in the ocean
      of the base's tens of thousands of examples. :meth:`forget` drops it again.

    Hyper-parameters (per layer): ``alpha``/``beta`` set the per-feature learning rate
    ``alpha / (beta + sqrt(Σ g²))``; ``l1``/``l2`` are the FTRL regularisation strengths (``l1``
    zeroes weak weights and so bounds the model's size; the site layer's larger ``l2`` keeps
    single decisions from swinging scores wildly). ``site_bias=False`` keeps decisions from
    moving the site layer's bias: a site's decisions then re-weigh *words*, and cannot shift
    every score at once (a run of spam decisions would otherwise raise the score of all
    comments, ham included, and with it the false-positive rate at the shipped threshold).
    """

    def __init__(
        self,
        kind: str,
        *,
        config: FeatureConfig | None = None,
        alpha: float = 0.5,
        beta: float = 1.0,
        l1: float = 0.5,
        l2: float = 1.0,
        site_alpha: float = 0.5,
        site_l1: float = 0.05,
        site_l2: float = 1.0,
        site_bias: bool = True,
        name: str | None = None,
    ) -> None:
        self.kind = kind
        self.config = config or FeatureConfig()
        #: The trained base this model descends from, e.g. ``"abuse-1"``.
        self.name = name or f"{kind}-untrained"
        #: How many decisions the site layer has learned (see :attr:`version`).
        self.updates = 0
        #: Suggested operating point (score ≥ threshold → act), chosen when the base was trained.
        self.threshold = 0.5
        #: Free-form provenance: datasets, seed, held-out metrics. Stored with the weights.
        self.info: dict[str, Any] = {}
        self._base = _Layer(alpha, beta, l1, l2)
        self._site = _Layer(site_alpha, beta, site_l1, site_l2, site_bias)

    # -- introspection -------------------------------------------------------------------------

    @property
    def version(self) -> str:
        """``name`` plus the number of decisions learned since, e.g. ``abuse-1+37``."""
        return f"{self.name}+{self.updates}" if self.updates else self.name

    @property
    def fingerprint(self) -> str:
        """A short content hash of the serialised model (changes whenever any weight does)."""
        return hashlib.sha256(self.to_bytes()).hexdigest()[:12]

    def __len__(self) -> int:
        """Number of non-zero feature weights (base and site layer together)."""
        return len(self._base.w) + len(self._site.w)

    def __repr__(self) -> str:
        return f"<TextClassifier {self.kind} {self.version} weights={len(self)}>"

    # -- scoring ---------------------------------------------------------------------------------

    def _featurize(self, text: str) -> tuple[list[int], list[float]]:
        names, _sources, values = extract(text or "", self.config)
        ids: dict[int, float] = {}
        for name, v in zip(names, values, strict=True):
            ids.setdefault(feature_hash(name), v)  # a hash collision counts once
        return list(ids), list(ids.values())

    def _margin(self, idx: Sequence[int], values: Sequence[float]) -> float:
        return self._base.margin(idx, values) + self._site.margin(idx, values)

    def score(self, text: str) -> float:
        """Probability in [0, 1] that ``text`` is spam (or abuse, for an abuse model)."""
        idx, values = self._featurize(text)
        return _sigmoid(self._margin(idx, values))

    def score_many(self, texts: Iterable[str]) -> list[float]:
        return [self.score(t) for t in texts]

    def score_and_explain(self, text: str, k: int = 5) -> tuple[float, list[tuple[str, float]]]:
        """``score(text)`` and ``explain(text, k)`` from one feature extraction (what the
        moderation pipeline needs for every comment; about half the cost of calling both)."""
        names, sources, values = extract(text or "", self.config)
        base, site = self._base.w, self._site.w
        margin = self._base.bias + self._site.bias
        totals: dict[str, float] = {}
        counted: set[int] = set()
        for name, source, value in zip(names, sources, values, strict=True):
            i = feature_hash(name)
            if i in counted:
                continue
            counted.add(i)
            weight = base.get(i, 0.0) + site.get(i, 0.0)
            if weight:
                margin += value * weight
                totals[source] = totals.get(source, 0.0) + value * weight
        ranked = sorted(totals.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
        return _sigmoid(margin), [
            (src, round(c, 4)) for src, c in ranked[: max(0, k)] if round(c, 4)
        ]

    def explain(self, text: str, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` words (or word pairs, or signals such as ``[url]``) that moved the score most.

        Each comes with its signed contribution to the log-odds: positive pushes towards spam /
        abuse, negative away from it. A word's contribution includes its character n-grams, so
        an unseen compound is explained by the word it appears in. Sorted by absolute size.
        """
        return self.score_and_explain(text, k)[1]

    # -- learning --------------------------------------------------------------------------------

    def _step(
        self, layer: _Layer, idx: list[int], values: list[float], label: float, weight: float
    ) -> float:
        p = _sigmoid(self._margin(idx, values))
        g = (p - label) * weight
        if g:
            layer.step(idx, values, g)
        return p

    def learn(self, text: str, label: float, weight: float = 1.0) -> float:
        """Learn from one moderator decision (1 = spam/abuse, 0 = ham/acceptable).

        Returns the score the comment had *before* the update (useful for tracking how often
        the model already agreed). ``weight`` > 1 makes the decision count like several.
        """
        label = float(label)
        if not 0.0 <= label <= 1.0:
            raise ValueError("label must be between 0 and 1")
        idx, values = self._featurize(text)
        p = self._step(self._site, idx, values, label, weight)
        self._site.round(idx)
        self.updates += 1
        return p

    def partial_fit(
        self,
        texts: Sequence[str],
        labels: Sequence[float],
        weights: Sequence[float] | None = None,
    ) -> list[float]:
        """Learn from a batch of decisions in order (one online pass); returns the prior scores."""
        if len(texts) != len(labels) or (weights is not None and len(weights) != len(texts)):
            raise ValueError("texts, labels and weights must have the same length")
        return [
            self.learn(t, y, 1.0 if weights is None else weights[j])
            for j, (t, y) in enumerate(zip(texts, labels, strict=True))
        ]

    def forget(self) -> None:
        """Drop everything learned from decisions: back to the base weights."""
        site = self._site
        self._site = _Layer(site.alpha, site.beta, site.l1, site.l2, site.learn_bias)
        self.updates = 0

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[float],
        weights: Sequence[float] | None = None,
        *,
        epochs: int = 3,
        seed: int = 0,
    ) -> TextClassifier:
        """Train the base weights on a labelled corpus: ``epochs`` seeded, shuffled passes.

        Labels may be soft (a share of annotators in [0, 1]). Deterministic: the same data,
        order, hyper-parameters and seed give the same weights, byte for byte.
        """
        if len(texts) != len(labels) or (weights is not None and len(weights) != len(texts)):
            raise ValueError("texts, labels and weights must have the same length")
        feats = [self._featurize(t) for t in texts]
        order = list(range(len(texts)))
        rng = random.Random(seed)
        for _ in range(epochs):
            rng.shuffle(order)
            for j in order:
                idx, values = feats[j]
                w = 1.0 if weights is None else weights[j]
                self._step(self._base, idx, values, float(labels[j]), w)
        self._base.round()
        return self

    # -- serialisation ---------------------------------------------------------------------------

    def _header(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "kind": self.kind,
            "name": self.name,
            "updates": self.updates,
            "threshold": self.threshold,
            "config": self.config.to_dict(),
            "base": self._base.header(),
            "site": self._site.header(),
            "info": self.info,
        }

    def _arrays(self) -> bytes:
        return self._base.arrays() + self._site.arrays()

    def to_bytes(self) -> bytes:
        """Compact binary form (for a ``BinaryField``): magic line + zlib(header JSON + arrays)."""
        header = json.dumps(self._header(), sort_keys=True, separators=(",", ":")).encode()
        body = struct.pack("<I", len(header)) + header + self._arrays()
        return _MAGIC + zlib.compress(body, 9)

    def to_json(self) -> str:
        """JSON form: a readable header and the weight arrays as base64 of zlib-compressed bytes."""
        data = self._header()
        data["arrays"] = base64.b64encode(zlib.compress(self._arrays(), 9)).decode("ascii")
        return json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def _build(cls, header: dict[str, Any], arrays: bytes) -> TextClassifier:
        if header.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} model: {header.get('format')!r}")
        model = cls(
            header["kind"], config=FeatureConfig.from_dict(header["config"]), name=header["name"]
        )
        model.updates = int(header["updates"])
        model.threshold = float(header["threshold"])
        model.info = dict(header.get("info") or {})
        cut = 12 * int(header["base"]["weights"])
        model._base = _Layer.load(header["base"], arrays[:cut])
        model._site = _Layer.load(header["site"], arrays[cut:])
        return model

    @classmethod
    def from_bytes(cls, data: bytes) -> TextClassifier:
        """Load :meth:`to_bytes` output; anything else raises :class:`ValueError`."""
        if not data.startswith(_MAGIC):
            raise ValueError("not a Byline moderation model")
        try:
            body = zlib.decompress(data[len(_MAGIC) :])
            (size,) = struct.unpack_from("<I", body)
            header = json.loads(body[4 : 4 + size])
            return cls._build(header, body[4 + size :])
        except (zlib.error, struct.error, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise ValueError(f"corrupt model: {exc}") from exc

    @classmethod
    def from_json(cls, data: str | bytes) -> TextClassifier:
        """Load :meth:`to_json` output; anything else raises :class:`ValueError`."""
        header = json.loads(data)  # json.JSONDecodeError is a ValueError
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise ValueError("not a Byline moderation model")
        try:
            arrays = zlib.decompress(base64.b64decode(header.pop("arrays"), validate=True))
            return cls._build(header, arrays)
        except (zlib.error, KeyError, TypeError, binascii.Error) as exc:
            raise ValueError(f"corrupt model: {exc}") from exc


KINDS = ("spam", "abuse")


def load_starting_model(kind: str) -> TextClassifier:
    """A fresh copy of the shipped starting model (``weights/<kind>.json`` in this package).

    Works from a bare checkout or an installed wheel: the data sets are not needed.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown classifier kind {kind!r} (expected one of {KINDS})")
    text = files("byline.moderation.weights").joinpath(f"{kind}.json").read_text("utf-8")
    return TextClassifier.from_json(text)
