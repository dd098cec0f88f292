"""``byline classifiers``: how the site's spam and abuse classifiers are doing, and fixing them.

    byline classifiers report [--datasets ../shared/datasets]
    byline classifiers retrain [--kind spam|abuse]
    byline classifiers reset [--kind spam|abuse] --yes

``report`` shows, per classifier, the version in use, how many moderator decisions it has
learned and how often it agreed with them before learning each one (overall and on the recent
window); with ``--datasets`` it also scores the held-out part of the labelled data sets.
``retrain`` replays every training label from the shipped weights (how a changed decision is
finally unlearned) and logs it in the audit log. ``reset`` deletes the stored versions, so the
shipped weights are used again; the labels stay, and are learned again at the next decision.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from byline.moderation import learning, training
from byline.moderation.scoring import current_model


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


class Command(BaseCommand):
    help = "Report on, retrain or reset the spam and abuse classifiers."

    def add_arguments(self, parser: ArgumentParser) -> None:
        assert isinstance(parser, CommandParser)
        sub = parser.add_subparsers(
            dest="subcommand", metavar="report|retrain|reset", required=True
        )
        report = sub.add_parser("report", help="How each classifier is doing.")
        report.add_argument(
            "--datasets",
            type=Path,
            default=None,
            help="Also score the held-out part of the labelled data sets in this folder.",
        )
        for name, text in (
            ("retrain", "Learn every training label again, from the shipped weights."),
            ("reset", "Delete the stored versions: use the shipped weights again."),
        ):
            command = sub.add_parser(name, help=text)
            command.add_argument(
                "--kind",
                choices=learning.KINDS,
                default=None,
                help="Only this classifier (default: both).",
            )
            if name == "reset":
                command.add_argument(
                    "--yes", action="store_true", help="Confirm: no question is asked."
                )

    def handle(self, *args: Any, **options: Any) -> None:
        kinds = (options["kind"],) if options.get("kind") else learning.KINDS
        if options["subcommand"] == "report":
            self.report(options["datasets"])
        elif options["subcommand"] == "retrain":
            for kind in kinds:
                self.retrain(kind)
        else:
            if not options["yes"]:
                raise CommandError(
                    "reset deletes the learned classifier versions and goes back to the shipped "
                    "weights. Run it again with --yes to confirm."
                )
            for kind in kinds:
                self.reset(kind)

    def report(self, datasets: Path | None) -> None:
        if datasets is not None and not datasets.is_dir():
            # A missing data folder (CI, an installed site) is normal: say so and carry on.
            self.stderr.write(f"No data sets at {datasets}: held-out quality is skipped.")
            datasets = None
        for kind in learning.KINDS:
            info = learning.report(kind)
            created = f", stored {info['created_at']:%Y-%m-%d %H:%M}" if info["created_at"] else ""
            self.stdout.write(f"\n{kind} classifier")
            self.stdout.write(
                f"  version:            {info['version']} ({info['source']}{created})"
            )
            self.stdout.write(f"  decisions learned:  {info['decisions']}")
            self.stdout.write(f"  training labels:    {info['labels']}")
            self.stdout.write(
                f"  acts at score:      {info['threshold']:.3f} ({info['threshold_source']})"
            )
            estimate = info["estimate"]
            if estimate:
                self.stdout.write(
                    f"  at that score:      catches {_share(estimate['recall'])}, flags "
                    f"{_share(estimate['flagged_good'])} of good comments, precision "
                    f"{_share(estimate['precision'])} (out-of-fold, {estimate['positives']} "
                    f"positive and {estimate['negatives']} negative decisions)"
                )
            self.stdout.write(
                f"  recent {info['recent_count']:>3} decisions: right before learning "
                f"{_share(info['recent_accuracy'])}"
            )
            if datasets is not None:
                self.held_out(kind, datasets)

    def held_out(self, kind: str, datasets: Path) -> None:
        model = current_model(kind)
        try:
            results = training.evaluate(model, datasets)
        except (OSError, KeyError, ValueError) as exc:
            self.stderr.write(f"  held-out quality skipped: cannot read {datasets} ({exc}).")
            return
        self.stdout.write(f"  held-out quality of {model.version}:")
        for name, result in results.items():
            self.stdout.write(f"    {name:<46} {training.fmt(result)}")

    def retrain(self, kind: str) -> None:
        before = learning.report(kind)
        # The service stores the new version and its audit row in one transaction.
        version = learning.retrain(kind)
        after = learning.report(kind)
        self.stdout.write(
            f"{kind}: refit on {version.decisions} labels → version {version.version}; acts at "
            f"{after['threshold']:.3f} ({before['threshold']:.3f} before)."
        )

    def reset(self, kind: str) -> None:
        deleted = learning.reset(kind)
        labels = learning.report(kind)["labels"]
        self.stdout.write(
            f"{kind}: deleted {deleted} stored version{'s' if deleted != 1 else ''}; the shipped "
            f"weights are in use. Its {labels} training labels are kept and will be learned "
            "again at the next moderator decision (or now, with `byline classifiers retrain`)."
        )
