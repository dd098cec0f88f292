"""Does Byline's abuse model hold abuse but let heated political argument through?

Scores the hand-written evaluation set ``civility.txt`` (next to this file; see its header for
provenance: written for this bench, never trained on) with three systems:

* the word-list baseline (``wordlist.txt``, via :func:`quality.wordlist_scorer`);
* ``alt-profanity-check`` (its own bundled model; skipped if not installed);
* Byline's shipped abuse model (``load_starting_model("abuse")``).

and prints markdown tables: the share of civil comments held (false holds) and of abuse
caught, overall and per category, plus AUC, at the site default abuse threshold
(``ModerationSettings.abuse_threshold``'s default) and at 0.6 and 0.7; then the civil
comments Byline would hold and the abuse it misses, with scores, to show the failure modes.

Run from the repository root (no data sets needed):

    .venv/bin/python bench/moderation/civility.py
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "byline.settings")

import django  # noqa: E402

django.setup()

from quality import (  # noqa: E402
    model_scorer,
    pct,
    profanity_check_scorer,
    table,
    wordlist_scorer,
)

from byline.moderation import training  # noqa: E402
from byline.moderation.classifier import load_starting_model  # noqa: E402
from byline.moderation.models import ModerationSettings  # noqa: E402

DATA = HERE / "civility.txt"
EXTRA_THRESHOLDS = (0.6, 0.7)
RERUN = ".venv/bin/python bench/moderation/civility.py"


@dataclass(frozen=True)
class Row:
    label: int
    category: str
    text: str


def load(path: Path = DATA) -> list[Row]:
    rows = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or parts[0] not in ("0", "1") or not parts[2].strip():
            raise SystemExit(f"{path}:{n}: expected LABEL<Tab>CATEGORY<Tab>TEXT, got {line!r}")
        rows.append(Row(int(parts[0]), parts[1], parts[2].strip()))
    return rows


def share(scores: Sequence[float], idx: Sequence[int], t: float) -> float:
    return sum(1 for i in idx if scores[i] >= t) / len(idx) if idx else float("nan")


def categories(rows: Sequence[Row], label: int) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        if r.label == label:
            out.setdefault(r.category, []).append(i)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--top", type=int, default=10, help="failures listed per kind (10)")
    args = p.parse_args()

    rows = load(args.data)
    texts, labels = [r.text for r in rows], [r.label for r in rows]
    default = float(ModerationSettings._meta.get_field("abuse_threshold").default)
    thresholds = sorted({default, *EXTRA_THRESHOLDS})
    model = load_starting_model("abuse")
    byline = f"Byline {model.version}"

    # (name, scores, thresholds to report; a 0/1 scorer gets one row)
    systems: list[tuple[str, list[float], Sequence[float]]] = [
        ("word list", wordlist_scorer("abuse")(texts), (0.5,)),
    ]
    pc = profanity_check_scorer()
    if pc is not None:
        systems.append(("alt-profanity-check", pc(texts), thresholds))
    systems.append((byline, model_scorer(model)(texts), thresholds))
    scores = {name: s for name, s, _ in systems}

    civil, abuse = categories(rows, 0), categories(rows, 1)
    all_civil = [i for i, y in enumerate(labels) if not y]
    all_abuse = [i for i, y in enumerate(labels) if y]

    print("# Byline abuse model: heated-but-civil vs abuse (civility.txt)")
    print(
        f"\n{len(rows)} hand-written comments ({len(all_civil)} civil, {len(all_abuse)} abuse), "
        f"never trained on. Site default abuse threshold: {default:g} (a comment scoring at or "
        "above it is held for review)."
    )
    if pc is None:
        print("\n(alt-profanity-check not installed: `.venv/bin/pip install alt-profanity-check`)")

    print("\n## Held share: civil comments held (false holds, ↓) and abuse caught (↑)\n")
    head = ["system", "threshold", "civil held ↓", "abuse caught ↑", "AUC", "caught @ ≤5% held*"]
    head += [f"{c} (n={len(abuse[c])})" for c in abuse]
    out = []
    for name, s, ts in systems:
        auc = training.roc_auc(s, labels)
        t5 = training.threshold_for_fpr(s, labels, 0.05)
        oracle = f"{pct(training.recall_at_fpr(s, labels, 0.05))} (t={t5:.2f})"
        for t in ts:
            label_t = "any match" if name == "word list" else f"{t:g}"
            if t == default and name != "word list":
                label_t += " (site default)"
            row: list[object] = [
                name,
                label_t,
                pct(share(s, all_civil, t)),
                pct(share(s, all_abuse, t)),
                "—" if auc != auc else f"{auc:.3f}",
                oracle,
            ]
            row += [pct(share(s, abuse[c], t)) for c in abuse]
            out.append(row)
    print(table(head, out))
    print(
        "\n*Oracle: abuse caught at the lowest threshold holding ≤5% of the civil comments, "
        "chosen on this set (an upper bound, not a setting to ship)."
    )

    print(f"\n## Civil comments held, by category, at the site default {default:g} (↓)\n")
    out = []
    for c, idx in civil.items():
        out.append([c, len(idx), *(pct(share(s, idx, default)) for _, s, _ in systems)])
    print(table(["civil category", "n", *(name for name, _, _ in systems)], out))

    if pc is not None:
        b, a = scores[byline], scores["alt-profanity-check"]
        only_b = [i for i in all_abuse if b[i] >= default > a[i]]
        only_a = [i for i in all_abuse if a[i] >= default > b[i]]
        print(
            f"\nAt {default:g}: abuse caught by Byline but missed by alt-profanity-check: "
            f"{len(only_b)}; the reverse: {len(only_a)}."
        )

    s = scores[byline]
    held = sorted((i for i in all_civil if s[i] >= default), key=lambda i: -s[i])
    missed = sorted((i for i in all_abuse if s[i] < default), key=lambda i: s[i])
    other = [name for name, _, _ in systems if name != byline]

    def listing(idx: Sequence[int]) -> None:
        if not idx:
            print("(none)")
            return
        out = []
        for i in idx[: args.top]:
            words = ", ".join(f"{w} {v:+.2f}" for w, v in model.explain(rows[i].text, k=3))
            out.append(
                [
                    f"{s[i]:.2f}",
                    *(f"{scores[n][i]:.2f}" for n in other),
                    rows[i].category,
                    rows[i].text.replace("|", "\\|"),
                    words,
                ]
            )
        print(table([byline, *other, "category", "comment", "Byline's top words"], out))
        if len(idx) > args.top:
            print(f"\n… and {len(idx) - args.top} more.")

    print(f"\n## Civil comments Byline would hold at {default:g} ({len(held)}; highest first)\n")
    listing(held)
    print(f"\n## Abuse Byline misses at {default:g} ({len(missed)}; lowest first)\n")
    listing(missed)

    print(f"\nRerun: `{RERUN}`")


if __name__ == "__main__":
    main()
