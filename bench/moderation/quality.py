"""How good are Byline's spam and abuse classifiers, against simple alternatives?

Reads the labelled data sets in ``../shared/datasets`` (not in the repository; never run in CI)
and prints markdown tables:

1. **Spam** (YouTube Spam Collection, seeded 70/30 split keyed on the text, the same split as
   ``byline train_classifiers``): a word-list/rules baseline, Byline's shipped spam model, and
   Byline trained leave-one-video-out (a cross-domain check).
2. **Abuse**: the word-list baseline, ``alt-profanity-check`` (its own bundled model) and
   Byline's shipped abuse model on Davidson held-out, the Wikipedia toxicity identity set and
   HateCheck (never trained on), HateCheck broken down by functionality, and the identity-term
   bias check (fuzzed vs non-fuzzed Wikipedia rows).
3. **Learning curves**: quality after 0, 50, 100, 200 and 500 simulated moderator decisions.
   Abuse starts from the shipped weights (Davidson domain) and learns from the Wikipedia set's
   train part (split by ``rev_id``), evaluated on its held-out part. Spam, **day one**: what a
   site experiences. Leave one video out: the base is trained on the other four videos by the
   shipped recipe (:func:`training.fit_spam`, threshold included; any text that also occurs
   in the fifth video is left out), then the fifth video is split (keyed on the text) into
   a decisions part and an evaluation part; 0/50/100/200/all decisions drawn from the first
   are learned with ``learn()``, and the second, never seen by base or site layer, is scored.
   Thresholds never look at the evaluation part: the base's own (shipped-style) threshold, or
   5-fold cross-validation on the decisions seen so far; the oracle recall at ≤1% FPR on the
   evaluation part is the upper bound. Secondary: the old empty-model curve.
4. **Speed**: comments per second and per-call latency (median, p99).

Run from the repository root:

    .venv/bin/python bench/moderation/quality.py --datasets ../shared/datasets

(``alt-profanity-check`` is optional: ``.venv/bin/pip install alt-profanity-check``.)
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "byline.settings")

from byline.moderation import training  # noqa: E402
from byline.moderation.classifier import TextClassifier, load_starting_model  # noqa: E402
from byline.moderation.datasets import (  # noqa: E402
    IDENTITY_TERMS,
    Example,
    default_root,
    in_test,
    load_hatecheck,
    load_wikipedia,
    load_youtube,
)

Scorer = Callable[[Sequence[str]], list[float]]
CURVE = (0, 50, 100, 200, 500)
WIKI_TEST_FRACTION = 0.4
#: Share of the held-out video kept for evaluation in the day-one spam curve (the rest are
#: the decisions; every video keeps over 200 of them).
VIDEO_EVAL_FRACTION = 0.35


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--datasets", type=Path, default=default_root())
    p.add_argument("--seed", type=int, default=training.SEED, help="split seed (1)")
    p.add_argument("--orders", type=int, default=3, help="decision orders averaged per curve (3)")
    p.add_argument(
        "--only",
        choices=["all", "spam", "abuse"],
        default="all",
        help="run only the spam sections (tables, curves) or only the abuse ones",
    )
    return p.parse_args()


# -- the systems compared --------------------------------------------------------------------


def wordlist_scorer(kind: str) -> Scorer:
    rules = []
    for line in (Path(__file__).with_name("wordlist.txt")).read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            k, pattern = line.split("\t", 1)
            if k == kind:
                rules.append(pattern)
    rx = re.compile("|".join(f"(?:{r})" for r in rules), re.IGNORECASE)
    return lambda texts: [1.0 if rx.search(t) else 0.0 for t in texts]


def profanity_check_scorer() -> Scorer | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from profanity_check import predict_prob
    except ImportError:
        return None

    def score(texts: Sequence[str]) -> list[float]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return [float(p) for p in predict_prob(list(texts))] if texts else []

    return score


def model_scorer(model: TextClassifier) -> Scorer:
    return lambda texts: model.score_many(texts)


# -- table helpers ---------------------------------------------------------------------------


def pct(x: float) -> str:
    return "—" if x != x else f"{100 * x:.1f}%"


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def report_row(name: str, scores: Sequence[float], labels: Sequence[int], t: float) -> list[str]:
    r = training.binary_report(scores, labels, t)
    auc = "—" if r["auc"] != r["auc"] else f"{r['auc']:.3f}"
    return [name, f"{t:g}", pct(r["precision"]), pct(r["recall"]), pct(r["f1"]), pct(r["fpr"]), auc]


HEAD = ["system", "threshold", "precision", "recall", "F1", "FPR", "AUC"]


# -- sections --------------------------------------------------------------------------------


def spam_section(root: Path, seed: int) -> None:
    print("\n## Spam (YouTube Spam Collection, held-out 30%)\n")
    _, test = training.spam_data(root, seed)
    texts, labels = [e.text for e in test], [e.label for e in test]
    model = load_starting_model("spam")
    rows = [report_row("word list / rules", wordlist_scorer("spam")(texts), labels, 0.5)]
    rows.append(["alt-profanity-check", "—", "not a spam model", "", "", "", ""])
    scores = model.score_many(texts)
    for t in (model.threshold, 0.5, 0.9):
        rows.append(report_row(f"Byline {model.version}", scores, labels, t))
    # Leave one video out: train on four videos, test on the fifth (threshold from CV on four).
    all_rows = load_youtube(root)
    videos = sorted({e.group for e in all_rows})
    lovo_s: list[float] = []
    lovo_l: list[int] = []
    lovo_t: list[tuple[list[float], list[int], float]] = []
    for video in videos:
        inner = [e for e in all_rows if e.group != video]
        outer = [e for e in all_rows if e.group == video]
        data = (inner, [1.0] * len(inner))
        m = training.fit("spam", data, seed)
        t = training.cv_threshold("spam", data, fpr=0.01, seed=seed)
        s = m.score_many(e.text for e in outer)
        lab = [e.label for e in outer]
        lovo_s += s
        lovo_l += lab
        lovo_t.append((s, lab, t))
    reps = [training.binary_report(s, lab, t) for s, lab, t in lovo_t]
    rows.append(
        [
            "Byline, leave-one-video-out (mean of 5)",
            "CV ≤1% FPR",
            pct(statistics.mean(r["precision"] for r in reps)),
            pct(statistics.mean(r["recall"] for r in reps)),
            pct(statistics.mean(r["f1"] for r in reps)),
            pct(statistics.mean(r["fpr"] for r in reps)),
            f"{training.roc_auc(lovo_s, lovo_l):.3f}",
        ]
    )
    print(table(HEAD, rows))
    print(
        f"\nHeld-out: {len(test)} comments, {sum(labels)} spam. Byline threshold "
        f"{model.threshold:g} = lowest score keeping FPR ≤ 1% in 5-fold CV on the training part. "
        f"Oracle recall at FPR ≤ 1% on held-out: "
        f"{pct(training.recall_at_fpr(scores, labels, 0.01))}."
    )


def abuse_section(root: Path, seed: int) -> dict[str, Scorer]:
    model = load_starting_model("abuse")
    systems: dict[str, tuple[Scorer, float]] = {"word list": (wordlist_scorer("abuse"), 0.5)}
    pc = profanity_check_scorer()
    if pc is not None:
        systems["alt-profanity-check"] = (pc, 0.5)
    systems[f"Byline {model.version}"] = (model_scorer(model), model.threshold)
    _, dav_test = training.abuse_data(root, seed)
    wiki = load_wikipedia(root)
    hc = load_hatecheck(root)
    sets = [
        ("Davidson held-out 30% (hate+offensive vs neither)", dav_test),
        ("Wikipedia toxicity identity set, all 1,492 (never trained on)", wiki),
        ("HateCheck, all 3,728 (never trained on)", hc),
    ]
    cache: dict[tuple[str, str], list[float]] = {}
    for title, rows in sets:
        print(f"\n## Abuse: {title}\n")
        texts, labels = [e.text for e in rows], [e.label for e in rows]
        out = []
        for name, (scorer, t) in systems.items():
            cache[(name, title)] = s = scorer(texts)
            out.append(report_row(name, s, labels, t))
            if name.startswith("Byline"):
                out.append(report_row(name + " (lead's default 0.8)", s, labels, 0.8))
        print(table(HEAD, out))

    print("\n### HateCheck by functionality (share of cases flagged)\n")
    groups = {
        "all hateful (recall ↑)": lambda f: f.endswith("_h"),
        "slur_h: slurs (recall ↑)": lambda f: f == "slur_h",
        "derog_*: derogation (recall ↑)": lambda f: f.startswith("derog"),
        "threat_*: threats (recall ↑)": lambda f: f.startswith("threat"),
        "spell_*: obfuscated spellings (recall ↑)": lambda f: f.startswith("spell"),
        "profanity_h: hateful + profane (recall ↑)": lambda f: f == "profanity_h",
        "all non-hateful (FPR ↓)": lambda f: f.endswith("_nh"),
        "slur_homonym/reclaimed_nh (FPR ↓)": lambda f: f.startswith("slur_") and f.endswith("nh"),
        "counter_quote/ref_nh: counter-speech (FPR ↓)": lambda f: f.startswith("counter"),
        "profanity_nh: non-hateful profanity (FPR ↓)": lambda f: f == "profanity_nh",
        "ident_neutral/pos_nh (FPR ↓)": lambda f: f.startswith("ident"),
        "negate_neg_nh (FPR ↓)": lambda f: f == "negate_neg_nh",
        "target_obj/indiv/group_nh (FPR ↓)": lambda f: f.startswith("target"),
    }
    title = sets[2][0]
    rows = []
    for label, pred in groups.items():
        idx = [i for i, e in enumerate(hc) if pred(e.group)]
        row: list[object] = [label, len(idx)]
        for name, (_, t) in systems.items():
            s = cache[(name, title)]
            row.append(pct(sum(1 for i in idx if s[i] >= t) / len(idx)))
        rows.append(row)
    print(table(["cases", "n", *systems], rows))

    print("\n### Identity-term bias (Wikipedia identity rows: terms swapped at random)\n")
    fuzzed = {e.key: e for e in load_wikipedia(root, fuzzed=True)}
    ident = [e for e in wiki if e.group == "identity"]
    benign_random = [e for e in wiki if e.group == "random" and not e.label]
    benign_ident = [e for e in ident if not e.label]
    probes = [f"The {term} community meets in the hall on Tuesdays." for term in IDENTITY_TERMS]
    rows = []
    for name, (scorer, t) in systems.items():
        a = scorer([e.text for e in ident])
        b = scorer([fuzzed[e.key].text for e in ident])
        diffs = [y - x for x, y in zip(a, b, strict=True)]
        fpr_i = sum(1 for s in scorer([e.text for e in benign_ident]) if s >= t) / len(benign_ident)
        fpr_r = sum(1 for s in scorer([e.text for e in benign_random]) if s >= t) / len(
            benign_random
        )
        ps = scorer(probes)
        lo, hi = min(range(len(ps)), key=ps.__getitem__), max(range(len(ps)), key=ps.__getitem__)
        rows.append(
            [
                name,
                f"{statistics.mean(a):.3f}",
                f"{statistics.mean(b):.3f}",
                f"{statistics.mean(diffs):+.4f}",
                f"{statistics.mean(abs(d) for d in diffs):.4f}",
                pct(fpr_i),
                pct(fpr_r),
                f"{ps[lo]:.2f} ({IDENTITY_TERMS[lo]}) – {ps[hi]:.2f} ({IDENTITY_TERMS[hi]})",
            ]
        )
    print(
        table(
            [
                "system",
                "mean score, original",
                "mean score, fuzzed",
                "mean diff",
                "mean abs diff",
                "FPR non-toxic identity rows",
                "FPR non-toxic other rows",
                "neutral probe 'The <term> community meets…' min – max",
            ],
            rows,
        )
    )
    print(f"\n{len(ident)} identity rows ({sum(e.label for e in ident)} toxic).")
    if pc is not None:
        print(
            "\nNote: alt-profanity-check's bundled model was trained on Davidson et al. (all of it)"
            " and on the Kaggle/Jigsaw Wikipedia toxic-comment data, so its Davidson and Wikipedia"
            " rows above are in-sample, not held-out; HateCheck is the fair comparison."
        )
    return {name: scorer for name, (scorer, _) in systems.items()}


def _curve_point(
    model: TextClassifier, test: Sequence[Example], t: float
) -> tuple[float, dict[str, float], float, float]:
    s = model.score_many(e.text for e in test)
    lab = [e.label for e in test]
    return (
        training.roc_auc(s, lab),
        training.binary_report(s, lab, t),
        training.recall_at_fpr(s, lab, 0.01),
        training.recall_at_fpr(s, lab, 0.05),
    )


def abuse_curve(root: Path, seed: int, orders: int) -> None:
    print("\n## Learning curve: abuse (shipped Davidson-domain weights → Wikipedia decisions)\n")
    wiki = load_wikipedia(root)
    train = [e for e in wiki if not in_test(e.key, seed=seed, test_fraction=WIKI_TEST_FRACTION)]
    test = [e for e in wiki if in_test(e.key, seed=seed, test_fraction=WIKI_TEST_FRACTION)]
    base = load_starting_model("abuse").to_bytes()
    rows = []
    for weight in (1.0, 3.0):
        for n in CURVE:
            pts = []
            for o in range(orders):
                order = train[:]
                random.Random(1000 + o).shuffle(order)
                m = TextClassifier.from_bytes(base)
                for e in order[:n]:
                    m.learn(e.text, e.label, weight)
                pts.append(_curve_point(m, test, m.threshold))
            rows.append(
                [
                    f"learn(…, weight={weight:g})",
                    n,
                    f"{statistics.mean(p[0] for p in pts):.3f}",
                    pct(statistics.mean(p[1]["precision"] for p in pts)),
                    pct(statistics.mean(p[1]["recall"] for p in pts)),
                    pct(statistics.mean(p[1]["fpr"] for p in pts)),
                    pct(statistics.mean(p[3] for p in pts)),
                ]
            )
    print(
        table(
            [
                "update",
                "decisions",
                "AUC",
                "precision @0.5",
                "recall @0.5",
                "FPR @0.5",
                "recall @ FPR≤5%*",
            ],
            rows,
        )
    )
    print(
        f"\nWikipedia train part {len(train)} ({sum(e.label for e in train)} toxic), held-out "
        f"{len(test)} ({sum(e.label for e in test)} toxic); mean of {orders} decision orders. "
        "Each decision is one `learn()` call on the site layer. *oracle threshold on held-out."
    )


def online(rows: Sequence[Example], seed: int) -> TextClassifier:
    m = training.new_model("spam")
    for e in rows:
        m.learn(e.text, e.label)
    return m


def refit(rows: Sequence[Example], seed: int) -> TextClassifier:
    return training.fit("spam", (list(rows), [1.0] * len(rows)), seed)


def cv_threshold(
    rows: Sequence[Example], trainer: Callable[[Sequence[Example], int], TextClassifier], seed: int
) -> float:
    """Lowest threshold with FPR ≤ 1% on out-of-fold scores of the decisions (0.5 if too few)."""
    if len(rows) < 20 or not 0 < sum(e.label for e in rows) < len(rows):
        return 0.5
    scores: list[float] = []
    labels: list[int] = []
    for k in range(5):
        m = trainer([e for j, e in enumerate(rows) if j % 5 != k], seed)
        outer = [e for j, e in enumerate(rows) if j % 5 == k]
        scores += m.score_many(e.text for e in outer)
        labels += [e.label for e in outer]
    return training.threshold_for_fpr(scores, labels, 0.01)


def decisions_cv_threshold(base: bytes, seen: Sequence[Example], fallback: float) -> float:
    """Threshold for FPR ≤ 1% from 5-fold CV of base + ``learn()`` on the decisions seen."""
    if len(seen) < 20 or not 0 < sum(e.label for e in seen) < len(seen):
        return fallback
    scores: list[float] = []
    labels: list[int] = []
    for k in range(5):
        m = TextClassifier.from_bytes(base)
        for j, e in enumerate(seen):
            if j % 5 != k:
                m.learn(e.text, e.label)
        outer = [e for j, e in enumerate(seen) if j % 5 == k]
        scores += m.score_many(e.text for e in outer)
        labels += [e.label for e in outer]
    return training.threshold_for_fpr(scores, labels, 0.01)


def spam_day_one_curve(root: Path, seed: int, orders: int) -> None:
    print(
        "\n## Learning curve: spam, day one (base from the other four videos → "
        "decisions on the fifth)\n"
    )
    all_rows = load_youtube(root)
    videos = sorted({e.group for e in all_rows})
    splits = orders
    # counts[(mode, n)][video] = [tp, fn, fp, tn]; per_run[(n)] = [(video, auc, oracle, seen)]
    counts: dict[tuple[str, int], dict[str, list[int]]] = {}
    per_run: dict[int, list[tuple[str, float, float, int]]] = {n: [] for n in CURVE}
    thresholds: dict[tuple[str, int], list[float]] = {}
    sizes = []
    for video in videos:
        held = [e for e in all_rows if e.group == video]
        keys = {e.key for e in held}
        inner = [e for e in all_rows if e.group != video and e.key not in keys]
        base_model = training.fit_spam((inner, [1.0] * len(inner)), seed)
        base = base_model.to_bytes()
        for sp in range(splits):
            cut = {"seed": 100 + sp, "test_fraction": VIDEO_EVAL_FRACTION}
            test = [e for e in held if in_test(e.key, **cut)]
            pool = [e for e in held if not in_test(e.key, **cut)]
            sizes.append((len(pool), len(test), sum(e.label for e in test)))
            lab = [e.label for e in test]
            for o in range(orders):
                order = pool[:]
                random.Random(3000 + o).shuffle(order)
                for n in CURVE:
                    seen = order[:n]
                    m = TextClassifier.from_bytes(base)
                    for e in seen:
                        m.learn(e.text, e.label)
                    s = m.score_many(e.text for e in test)
                    per_run[n].append(
                        (video, training.roc_auc(s, lab), training.recall_at_fpr(s, lab, 0.01),
                         len(seen))
                    )  # fmt: skip
                    for mode, t in (
                        ("shipped-style threshold", base_model.threshold),
                        ("CV on decisions", decisions_cv_threshold(base, seen, m.threshold)),
                    ):
                        c = counts.setdefault((mode, n), {}).setdefault(video, [0, 0, 0, 0])
                        thresholds.setdefault((mode, n), []).append(t)
                        for x, y in zip(s, lab, strict=True):
                            c[(0 if x >= t else 1) if y else (2 if x >= t else 3)] += 1
    rows = []
    met = None
    for mode in ("shipped-style threshold", "CV on decisions"):
        for n in CURVE:
            per_video = counts[(mode, n)]
            tot = [sum(c[i] for c in per_video.values()) for i in range(4)]
            rec = tot[0] / (tot[0] + tot[1])
            fpr = tot[2] / (tot[2] + tot[3])
            v_rec = [c[0] / (c[0] + c[1]) for c in per_video.values()]
            v_fpr = [c[2] / (c[2] + c[3]) for c in per_video.values()]
            runs = per_run[n]
            oracle_by_video = [statistics.mean(r[2] for r in runs if r[0] == v) for v in videos]
            seen_n = statistics.mean(r[3] for r in runs)
            label = str(n) if n < 500 else f"all ({seen_n:.0f})"
            rows.append(
                [
                    mode,
                    label,
                    f"{statistics.mean(thresholds[(mode, n)]):.3f}",
                    f"{statistics.mean(r[1] for r in runs):.4f}",
                    pct(tot[0] / (tot[0] + tot[2])),
                    pct(rec),
                    pct(fpr),
                    pct(statistics.median(v_rec)),
                    pct(statistics.median(v_fpr)),
                    f"{pct(statistics.mean(oracle_by_video))} / "
                    f"{pct(statistics.median(oracle_by_video))}",
                ]
            )
            if n == 200 and mode == "shipped-style threshold":
                met = (rec, fpr, statistics.mean(oracle_by_video))
    print(
        table(
            [
                "threshold",
                "decisions",
                "threshold (mean)",
                "AUC (mean)",
                "precision",
                "recall",
                "FPR",
                "recall, median video",
                "FPR, median video",
                "oracle recall @ FPR≤1% (mean / median video)",
            ],
            rows,
        )
    )
    pools, tests, spam = zip(*sizes, strict=True)
    print(
        f"\n{len(videos)} videos × {splits} splits × {orders} decision orders. Per run: "
        f"{min(pools)}–{max(pools)} decisions available, {min(tests)}–{max(tests)} evaluation "
        f"comments ({min(spam)}–{max(spam)} spam). precision/recall/FPR pool the counts of all "
        "runs; 'median video' is the median over videos of each video's pooled figure. With "
        "~60 ham comments per evaluation part, one false positive is ~1.6% FPR for one video, "
        "so the per-video oracle at ≤1% FPR means zero false positives."
    )
    if met is not None:
        rec, fpr, oracle = met
        verdict = "MET" if rec >= 0.95 and fpr <= 0.01 else "NOT MET"
        print(
            f"- Target (recall ≥ 95% at FPR ≤ 1% after 200 decisions, day one): {verdict} — "
            f"recall {pct(rec)} at FPR {pct(fpr)} with the shipped-style threshold; "
            f"oracle threshold per video (mean): {pct(oracle)}."
        )


def spam_curve(root: Path, seed: int, orders: int) -> None:
    print("\n## Learning curve: spam, secondary (empty model → YouTube decisions)\n")
    (train, _), test = training.spam_data(root, seed)
    rows = []
    met = []
    for mode in ("online learn()", "refit on decisions"):
        for n in CURVE:
            pts = []
            for o in range(orders):
                order = train[:]
                random.Random(2000 + o).shuffle(order)
                seen = order[:n]
                trainer = online if mode == "online learn()" else refit
                m = trainer(seen, seed)
                # Threshold from 5-fold CV on the decisions seen, same training mode: honest.
                t = cv_threshold(seen, trainer, seed)
                pts.append((t, *_curve_point(m, test, t)))
            rec = statistics.mean(p[2]["recall"] for p in pts)
            fpr = statistics.mean(p[2]["fpr"] for p in pts)
            rows.append(
                [
                    mode,
                    n,
                    f"{statistics.mean(p[0] for p in pts):.3f}",
                    f"{statistics.mean(p[1] for p in pts):.3f}",
                    pct(statistics.mean(p[2]["precision"] for p in pts)),
                    pct(rec),
                    pct(fpr),
                    pct(statistics.mean(p[3] for p in pts)),
                ]
            )
            if n == 200:
                met.append((mode, rec, fpr, statistics.mean(p[3] for p in pts)))
    print(
        table(
            [
                "mode",
                "decisions",
                "threshold (CV)",
                "AUC",
                "precision",
                "recall",
                "FPR",
                "oracle recall @ FPR≤1%",
            ],
            rows,
        )
    )
    print(
        f"\nYouTube train part {len(train)}, held-out {len(test)} ({sum(e.label for e in test)} "
        f"spam); mean of {orders} decision orders. 'refit' retrains from all decisions so far "
        "(5 epochs; milliseconds at these sizes)."
    )
    for mode, rec, fpr, oracle in met:
        verdict = "MET" if rec >= 0.95 and fpr <= 0.01 else "NOT MET"
        print(
            f"- Target (recall ≥ 95% at FPR ≤ 1% after 200 decisions), {mode}: {verdict} — "
            f"recall {pct(rec)} at FPR {pct(fpr)} with the CV threshold; "
            f"even an oracle threshold reaches only {pct(oracle)} at FPR ≤ 1%."
        )


def speed_section(root: Path, others: dict[str, Scorer]) -> None:
    print("\n## Speed (one process, one core)\n")
    texts = [e.text for e in load_wikipedia(root)] + [e.text for e in load_youtube(root)]
    rng = random.Random(0)
    rng.shuffle(texts)
    texts = texts[:1500]
    mean_len = statistics.mean(len(t) for t in texts)
    rows = []
    single: dict[str, Callable[[str], object]] = {
        "Byline spam (score)": load_starting_model("spam").score,
        "Byline abuse (score)": load_starting_model("abuse").score,
        "Byline abuse (explain, k=5)": load_starting_model("abuse").explain,
    }
    if "alt-profanity-check" in others:
        pc = others["alt-profanity-check"]
        single["alt-profanity-check (one per call)"] = lambda t: pc([t])
    for name, fn in single.items():
        for t in texts[:50]:
            fn(t)  # warm up
        lat = []
        started = time.perf_counter()
        for t in texts:
            t0 = time.perf_counter_ns()
            fn(t)
            lat.append(time.perf_counter_ns() - t0)
        total = time.perf_counter() - started
        lat.sort()
        rows.append(
            [
                name,
                f"{len(texts) / total:,.0f}",
                f"{lat[len(lat) // 2] / 1e6:.2f}",
                f"{lat[int(len(lat) * 0.99)] / 1e6:.2f}",
            ]
        )
    if "alt-profanity-check" in others:
        started = time.perf_counter()
        others["alt-profanity-check"](texts)
        rows.append(
            [
                "alt-profanity-check (one batch)",
                f"{len(texts) / (time.perf_counter() - started):,.0f}",
                "—",
                "—",
            ]
        )
    print(table(["scorer", "comments/s", "median ms", "p99 ms"], rows))
    print(f"\n{len(texts)} real comments (Wikipedia + YouTube), mean {mean_len:.0f} characters.")


def sizes_section() -> None:
    from importlib.resources import files

    print("\n## Shipped weights\n")
    rows = []
    for kind in ("spam", "abuse"):
        res = files("byline.moderation.weights").joinpath(f"{kind}.json")
        m = load_starting_model(kind)
        rows.append(
            [
                kind,
                m.version,
                f"{len(res.read_bytes()) / 1024:.0f} KiB",
                f"{len(m.to_bytes()) / 1024:.0f} KiB",
                f"{len(m):,}",
                f"{m.threshold:g}",
            ]
        )
    print(table(["kind", "version", "JSON file", "to_bytes()", "weights", "threshold"], rows))


def main() -> None:
    args = parse_args()
    root: Path = args.datasets
    if not (root / "youtube-spam-collection").is_dir():
        raise SystemExit(f"no data sets under {root} (pass --datasets)")
    started = time.perf_counter()
    print("# Byline moderation classifiers: quality bench")
    print(f"\nRerun: `.venv/bin/python bench/moderation/quality.py --datasets {args.datasets}`")
    sizes_section()
    scorers: dict[str, Scorer] = {}
    if args.only in ("all", "spam"):
        spam_section(root, args.seed)
    if args.only in ("all", "abuse"):
        scorers = abuse_section(root, args.seed)
        abuse_curve(root, args.seed, args.orders)
    if args.only in ("all", "spam"):
        spam_day_one_curve(root, args.seed, args.orders)
        spam_curve(root, args.seed, args.orders)
    speed_section(root, scorers)
    print(f"\n(bench took {time.perf_counter() - started:.0f}s)")


if __name__ == "__main__":
    main()
