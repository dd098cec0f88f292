"""``byline train_classifiers``: rebuild the shipped spam/abuse starting weights and report.

    byline train_classifiers --datasets ../shared/datasets --out byline/moderation/weights/
    byline train_classifiers --datasets ../shared/datasets --report-only

Training is deterministic (seeded split, seeded shuffles): the same data and code write the
same bytes, so ``git diff`` on the weights shows whether anything really changed. Each run
prints precision, recall, F1 and false-positive rate on the held-out part.
"""

from __future__ import annotations

import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from byline.moderation import training
from byline.moderation.classifier import KINDS, TextClassifier, load_starting_model
from byline.moderation.datasets import default_root


class Command(BaseCommand):
    help = "Train the starting spam/abuse classifiers from the labelled data sets and report."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--datasets",
            type=Path,
            default=None,
            help="Folder holding the data sets (default: ../shared/datasets beside the checkout).",
        )
        parser.add_argument(
            "--out",
            type=Path,
            default=Path(__file__).resolve().parents[2] / "weights",
            help="Where to write spam.json and abuse.json (default: the package's weights/).",
        )
        parser.add_argument("--kind", choices=[*KINDS, "all"], default="all")
        parser.add_argument("--seed", type=int, default=training.SEED)
        parser.add_argument(
            "--report-only",
            action="store_true",
            help="Evaluate the current weights in --out (or the shipped ones) without training.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        root: Path = options["datasets"] or default_root()
        if not (root / "youtube-spam-collection").is_dir():
            raise CommandError(f"no data sets under {root} (pass --datasets)")
        out: Path = options["out"]
        kinds = KINDS if options["kind"] == "all" else (options["kind"],)
        for kind in kinds:
            started = time.perf_counter()
            if options["report_only"]:
                path = out / f"{kind}.json"
                if path.is_file():
                    model = TextClassifier.from_json(path.read_text("utf-8"))
                else:
                    model = load_starting_model(kind)
                    path = Path(f"(shipped {kind}.json)")
                self.stdout.write(f"\n## {kind}: {model.version} from {path}")
            else:
                model = training.train(kind, root, seed=options["seed"])
                out.mkdir(parents=True, exist_ok=True)
                path = out / f"{kind}.json"
                path.write_text(model.to_json(), encoding="utf-8")
                self.stdout.write(
                    f"\n## {kind}: trained {model.version} in {time.perf_counter() - started:.1f}s"
                    f" → {path} ({path.stat().st_size / 1024:.0f} KiB, {len(model)} weights, "
                    f"fingerprint {model.fingerprint})"
                )
            self.stdout.write(f"operating threshold: {model.threshold:g}")
            for name, report in training.evaluate(model, root, seed=options["seed"]).items():
                self.stdout.write(f"  {name:<50} {training.fmt(report)}")
