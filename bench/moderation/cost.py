"""What does moderation cost per comment? (Target: pipeline p99 under 50 ms.)

For each database (a temp SQLite file; with ``--postgres`` also a throwaway
``byline_bench_moderation_<pid>`` on that server), in its own process, this builds a realistic
site — ``--posts`` posts with ``--existing`` comments spread over the last three days (mostly
public, some held or spam), 30 word-list terms, 50 active bans (accounts, emails, domains, IPs
and CIDR networks) plus expired ones, and classifiers that have learned from ``--decisions``
moderator decisions taken through ``byline.moderation.actions`` (so the stored
``ClassifierVersion`` rows are what a site has after some learning) — and then times:

a) ``pipeline.run(ctx)`` alone, every phase included, rate limits counted in the locmem cache
   (every submission from a different visitor, so none is refused), and each phase function of
   ``pipeline.PHASES`` on its own;
b) ``submit_comment(...)`` end to end (pipeline + storing the comment + its audit row), with
   ``rate_limit=False``, for ``--comments`` comments of mixed text (ordinary remarks, spam,
   abuse, links; ``--datasets`` mixes in rows of the labelled data sets, read at run time);
c) classifier throughput (``score`` and ``explain`` of each kind, comments/s), one moderator
   decision through ``actions`` (its learning step runs on commit) and ``learn_new_labels``
   alone after one new label (loads, learns, serialises and stores the next version);
d) the rate-limit ``hit()`` against locmem and, with ``--redis``, a real Redis.

It prints one markdown table (median and p99 in ms per database) and the rerun command. Timings
depend on the machine and on whatever else runs on it: compare runs on one machine.

    .venv/bin/python bench/moderation/cost.py
    .venv/bin/python bench/moderation/cost.py \\
        --postgres postgres://postgres@127.0.0.1:5432/postgres --redis redis://127.0.0.1:6379/15
    .venv/bin/python bench/moderation/cost.py --profile     # cProfile of the submit loop

The comment texts below are invented for this bench; no data set text is copied here.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import io
import json
import os
import pstats
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from benchdb import prepare_database, setup_django  # noqa: E402

BENCH_DB = f"byline_bench_moderation_{os.getpid()}"
TARGET_P99_MS = 50.0

# -- invented text ------------------------------------------------------------------------------

TOPICS = [
    "the harbor budget", "the new ferry timetable", "the zoning amendment", "the school board",
    "the library hours", "the bridge repairs", "the council minutes", "the shoreline erosion",
    "the parking permits", "the summer market", "the bus route changes", "the marina dredging",
]  # fmt: skip
OPENERS = [
    "I read the piece twice and", "Thanks for covering this;", "As someone who lives nearby,",
    "Honest question:", "My neighbour and I talked about this and", "I was at the meeting and",
    "Good reporting, although", "Not sure I agree.", "This matches what I saw:",
]  # fmt: skip
CLAIMS = [
    "{t} seems to have been decided before anyone asked the residents.",
    "the numbers on {t} do not add up to what was promised last year.",
    "{t} will matter more to families than the article suggests.",
    "nobody mentioned how {t} affects people who work night shifts.",
    "I would like to see the full report on {t} before the vote.",
    "{t} is overdue, and I am glad someone finally wrote about it.",
    "the comment period for {t} closes on Friday, so write in if you care.",
    "last time they tried {t} it took three years and twice the money.",
]  # fmt: skip
FOLLOWUPS = [
    "Does anyone know when the next hearing is?", "The minutes are on the town website.",
    "I hope the paper follows up.", "My street floods every spring, so this matters.",
    "See https://example.org/council/minutes for the record.",
    "Quoting the article: > the budget was approved without debate.", "",
]  # fmt: skip
SPAM = [
    "Earn $500 a day from home!!! Visit http://cash{n}.example.biz now, limited offer",
    "Check out my channel and subscribe, I post every day!! http://youtube.example/u{n}",
    "Cheap replica watches and designer bags, free shipping: www.replica{n}.example",
    "Great article. Also, best payday loan rates here http://loans{n}.example.net http://x.example",
    "CLICK HERE for free gift cards http://gift{n}.example.win http://b.example http://c.example",
    "Hot singles in your area want to meet you tonight http://date{n}.example",
]  # fmt: skip
ABUSE = [
    "You are a complete idiot and so is everyone who agrees with you.",
    "Shut up, moron. Nobody cares what a clown like you thinks.",
    "What a stupid, pathetic article. The writer is a worthless hack.",
    "People like you are trash and should get lost.",
]  # fmt: skip
BLOCK_TERMS = [
    "replica watches", "payday loan", "casino bonus", "viagra", "crypto giveaway",
    "free gift cards", "hot singles", "work from home!!!", "seo services", "cheap followers",
]  # fmt: skip
HOLD_TERMS = [
    "lawsuit", "defamation", "home address", "phone number", "dox", "kill", "bribe",
    "corruption", "fraud", "scam", "lawyer", "police report", "leak", "nazi", "terrorist",
    "rigged", "cover-up", "whistleblower", "sue", "arrest",
]  # fmt: skip
NAMES = ["Ana", "Bo", "Chidi", "Dana", "Eero", "Farah", "Gus", "Hiro", "Ines", "Jon", "Kemal"]


def ham(rng: random.Random) -> str:
    parts = [f"{rng.choice(OPENERS)} {rng.choice(CLAIMS).format(t=rng.choice(TOPICS))}"]
    for _ in range(rng.choice([0, 0, 1, 1, 2, 4])):
        parts.append(rng.choice(CLAIMS).format(t=rng.choice(TOPICS)).capitalize())
    parts.append(rng.choice(FOLLOWUPS))
    return " ".join(p for p in parts if p)


def mixed_texts(rng: random.Random, n: int, extra: list[str]) -> list[str]:
    """``n`` comment texts: ~80% ordinary, ~12% spam, ~5% abusive, ~3% long; ``extra`` rows
    (from the data sets) replace a third of them when given."""
    out = []
    for i in range(n):
        roll = rng.random()
        if extra and roll < 0.33:
            out.append(rng.choice(extra))
        elif roll < 0.80:
            out.append(ham(rng))
        elif roll < 0.92:
            out.append(rng.choice(SPAM).format(n=rng.randrange(10_000)))
        elif roll < 0.97:
            out.append(rng.choice(ABUSE))
        else:
            out.append("\n\n".join(ham(rng) for _ in range(12)))  # a long, careful reply
        out[-1] = out[-1] if i % 7 else f"{out[-1]} ({i})"  # avoid an all-duplicate run
    return out


def dataset_texts(root: Path | None) -> list[str]:
    if root is None:
        return []
    from byline.moderation.datasets import load_davidson, load_youtube

    if not (root / "youtube-spam-collection").is_dir():
        print(f"  (no data sets at {root}: using invented text only)", file=sys.stderr)
        return []
    return [e.text for e in load_youtube(root)] + [e.text for e in load_davidson(root)][:3000]


# -- measuring -------------------------------------------------------------------------------------


def stats(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    p99 = statistics.quantiles(times, n=100)[98] if len(times) > 1 else times[0]
    return {"n": len(times), "median": statistics.median(times), "p99": p99, "max": times[-1]}


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    result = fn()
    return (time.perf_counter() - t0) * 1000, result


def build_site(rng: random.Random, args: argparse.Namespace, extra: list[str]) -> dict[str, Any]:
    """Posts, existing comments, terms, bans, readers, a moderator and learned classifiers."""
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from byline.accounts.models import User
    from byline.accounts.roles import AUTHOR, MODERATOR
    from byline.discussion.models import Comment, RemovalReason
    from byline.discussion.services import post_comment, validate_submission
    from byline.moderation import actions
    from byline.moderation.models import Ban, ClassifierVersion, Term, TrainingLabel
    from byline.publishing.models import Post
    from byline.publishing.services import save_post

    author = User.objects.create_user("author", "author@example.org", None)
    author.groups.add(Group.objects.get(name=AUTHOR))
    moderator = User.objects.create_user("moderator", "mod@example.org", None)
    moderator.groups.add(Group.objects.get(name=MODERATOR))
    readers = [
        User.objects.create_user(f"{n.lower()}{i}", f"{n.lower()}{i}@example.org", None)
        for i, n in enumerate(NAMES * 2)
    ]
    now = timezone.now()
    posts = [
        save_post(
            Post(title=f"{rng.choice(TOPICS).capitalize()}, part {i}", body=ham(rng),
                 status=Post.Status.PUBLISHED, published_at=now - timedelta(days=4)),
            by=author,
        )
        for i in range(args.posts)
    ]  # fmt: skip
    texts = mixed_texts(rng, args.existing, extra)
    existing: list[Any] = []
    for i, text in enumerate(texts):
        post = rng.choice(posts)
        user = rng.choice(readers) if rng.random() < 0.3 else None
        name = rng.choice(NAMES)
        submission = validate_submission(
            post, body=text, name=name, email=f"{name.lower()}.{i}@example.com", user=user
        )
        outcome = rng.choices(["approve", "hold", "spam"], [85, 10, 5])[0]
        existing.append(
            post_comment(
                submission,
                ip_address=f"198.51.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                now=now - timedelta(seconds=rng.randrange(3 * 86400)),
                outcome=outcome,
            )
        )
    Term.objects.bulk_create(
        [Term(term=t, action=Term.Action.BLOCK) for t in BLOCK_TERMS]
        + [Term(term=t, action=Term.Action.HOLD) for t in HOLD_TERMS]
    )
    ban_values = (
        [(Ban.Kind.ACCOUNT, f"banned{i}") for i in range(8)]
        + [(Ban.Kind.EMAIL, f"troll{i}@example.net") for i in range(10)]
        + [(Ban.Kind.DOMAIN, f"spam{i}.example") for i in range(7)]
        + [(Ban.Kind.IP, f"203.0.113.{i}") for i in range(1, 16)]
        + [(Ban.Kind.NETWORK, f"192.0.{i}.0/24") for i in range(8)]
        + [(Ban.Kind.NETWORK, f"2001:db8:{i:x}::/48") for i in range(2)]
    )
    for kind, value in ban_values:
        until = None if rng.random() < 0.5 else now + timedelta(days=rng.randrange(1, 60))
        actions.ban(by=moderator, kind=kind, value=value, until=until, reason="bench")
    for i in range(10):  # ended bans stay in the table
        Ban.objects.create(kind=Ban.Kind.IP, value=f"198.18.0.{i}", until=now - timedelta(days=1))
    assert Ban.objects.active().count() == 50

    # Moderator decisions through the services: each stores a label and, on commit, learns it.
    decision_ms: list[float] = []
    for comment in rng.sample(existing, args.decisions):
        if comment.body in ABUSE:
            step: Callable[[], Any] = lambda c=comment: actions.remove(  # noqa: E731
                c, by=moderator, reason=RemovalReason.ABUSE
            )
        elif comment.status == Comment.Status.SPAM or "http" in comment.body:
            step = lambda c=comment: actions.mark_spam(c, by=moderator)  # noqa: E731
        else:
            step = lambda c=comment: actions.approve(c, by=moderator)  # noqa: E731
        decision_ms.append(timed(step)[0])
    return {
        "posts": posts,
        "readers": readers,
        "moderator": moderator,
        "existing": existing,
        "decision_ms": decision_ms,
        "labels": TrainingLabel.objects.count(),
        "versions": {
            k: ClassifierVersion.objects.filter(kind=k).order_by("-version").first()
            for k in ("spam", "abuse")
        },
    }


def submissions(rng: random.Random, site: dict[str, Any], texts: list[str]) -> list[dict[str, Any]]:
    """Per text: who sends it, from where. ~3% come from a banned address or network."""
    from django.utils import timezone

    from byline.moderation.pipeline import form_stamp

    shown_at = timezone.now() - timedelta(seconds=45)
    out = []
    for i, text in enumerate(texts):
        user = rng.choice(site["readers"]) if rng.random() < 0.3 else None
        ip = f"10.{i // 65536}.{(i // 256) % 256}.{i % 256}"  # a new visitor each time
        email = f"guest{i}@example.com"
        roll = rng.random()
        if roll < 0.01:
            ip = f"192.0.{rng.randrange(8)}.{rng.randrange(1, 255)}"  # banned network
        elif roll < 0.02:
            email = f"troll{rng.randrange(10)}@example.net"
        elif roll < 0.03:
            ip = f"203.0.113.{rng.randrange(1, 16)}"
        out.append({"post": rng.choice(site["posts"]), "body": text, "user": user, "ip": ip,
                    "email": email, "name": rng.choice(NAMES),
                    # Stamps are single-use: each submission has its own, as from its own form.
                    "stamp": form_stamp(shown_at)})  # fmt: skip
    return out


def context(item: dict[str, Any], rate_limit: bool) -> Any:
    from byline.moderation import pipeline

    return pipeline.Context(
        post_id=item["post"].pk, post_author_id=item["post"].author_id, body=item["body"],
        name="" if item["user"] else item["name"], email="" if item["user"] else item["email"],
        user=item["user"], ip=item["ip"], user_agent="Mozilla/5.0 (bench)",
        form_stamp=item["stamp"], rate_limit=rate_limit,
    )  # fmt: skip


def measure(args: argparse.Namespace, backend: str) -> dict[str, Any]:
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    from byline.discussion.services import validate_submission
    from byline.moderation import learning, pipeline, scoring
    from byline.moderation.models import ModerationSettings, TrainingLabel
    from byline.moderation.ratelimits import COMMENT_POST, hit
    from byline.moderation.submit import Rejected, submit_comment

    rng = random.Random(args.seed)

    log(f"[{backend}] migrating {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    extra = dataset_texts(args.datasets)
    log(f"[{backend}] building the site ({args.existing} comments, {args.decisions} decisions)")
    t0 = time.perf_counter()
    site = build_site(rng, args, extra)
    log(f"[{backend}]   built in {time.perf_counter() - t0:.1f}s")
    rows: dict[str, dict[str, float]] = {}
    texts = mixed_texts(rng, args.comments, extra)
    items = submissions(rng, site, texts)

    # a) pipeline.run alone, rate limits on (locmem), then each phase on its own.
    rules = ModerationSettings.current()
    for item in items[:20]:  # warm the model cache and the query plans
        with contextlib.suppress(Rejected):
            pipeline.run(context(item, rate_limit=False))

    def run_one(item: dict[str, Any]) -> str:
        try:
            return str(pipeline.run(context(item, rate_limit=True)).action)
        except Rejected:
            return "reject (nudge)"

    gc.collect()
    run_ms: list[float] = []
    outcomes: Counter[str] = Counter()
    for i, item in enumerate(items):
        if i % 8 == 0:
            # Readers with accounts come back often; keep them under their own limit here (the
            # bench measures the counting, not refusals). Emptying locmem is untimed.
            cache.clear()
        ms, action = timed(lambda it=item: run_one(it))
        run_ms.append(ms)
        outcomes[action] += 1
    rows["pipeline.run (all phases)"] = stats(run_ms)
    cache.clear()
    phase_ms: dict[str, list[float]] = {p.__name__: [] for p in pipeline.PHASES}
    settings_ms: list[float] = []
    for i, item in enumerate(items):
        if i % 8 == 0:
            cache.clear()
        settings_ms.append(timed(ModerationSettings.current)[0])
        ctx, verdict = context(item, rate_limit=True), pipeline.Verdict()
        for phase in pipeline.PHASES:
            ms, _ = timed(lambda p=phase, c=ctx, v=verdict: p(c, rules, v))
            phase_ms[phase.__name__].append(ms)
    rows["  ModerationSettings.current()"] = stats(settings_ms)
    for name, times in phase_ms.items():
        rows[f"  phase {name}"] = stats(times)
    cache.clear()

    # b) submit_comment end to end (rate limits off, as the brief's loop).
    def submit(item: dict[str, Any]) -> Any:
        submission = validate_submission(
            item["post"], body=item["body"], name=item["name"], email=item["email"],
            user=item["user"],
        )  # fmt: skip
        t0 = time.perf_counter()
        try:
            comment = submit_comment(
                submission, ip_address=item["ip"], user_agent="Mozilla/5.0 (bench)",
                form_stamp=item["stamp"], rate_limit=False,
            )  # fmt: skip
            status = comment.status
        except Rejected:
            status = "rejected (nudge)"
        return (time.perf_counter() - t0) * 1000, status

    gc.collect()
    profiler = cProfile.Profile() if args.profile else None
    submit_ms, statuses = [], Counter()
    if profiler:
        profiler.enable()
    for item in items:
        ms, status = submit(item)
        submit_ms.append(ms)
        statuses[status] += 1
    if profiler:
        profiler.disable()
    rows["submit_comment (end to end)"] = stats(submit_ms)

    # c) classifier throughput and the learning step.
    throughput: dict[str, float] = {}
    for kind in ("spam", "abuse"):
        model = scoring.current_model(kind)
        for label, fn in (("score", model.score), ("explain", model.explain)):
            t0 = time.perf_counter()
            per = [timed(lambda t=t, f=fn: f(t))[0] for t in texts]
            throughput[f"{kind}.{label}"] = len(texts) / (time.perf_counter() - t0)
            rows[f"{kind} model .{label}()"] = stats(per)
    rows["moderator decision (action + on-commit learning)"] = stats(site["decision_ms"])
    learn_ms = []
    labelled = set(TrainingLabel.objects.values_list("comment_id", flat=True))
    pool = [c for c in site["existing"] if c.pk not in labelled]
    for i, comment in enumerate(rng.sample(pool, args.learn_runs)):
        kind = "spam" if i % 2 else "abuse"
        TrainingLabel.objects.create(comment=comment, kind=kind, positive=bool(i % 3 == 0))
        learn_ms.append(timed(lambda k=kind: learning.learn_new_labels(k))[0])
    rows["learn_new_labels after one label"] = stats(learn_ms)
    sizes = {k: len(bytes(v.data)) for k, v in site["versions"].items() if v is not None}

    # d) the rate-limit counter: locmem (the site's cache here), then a real Redis.
    def hits(n: int) -> list[float]:
        return [
            timed(lambda i=i: hit(COMMENT_POST, ip=f"10.9.{i // 256}.{i % 256}",
                                  email=f"h{i}@example.com", account=i))[0]
            for i in range(n)
        ]  # fmt: skip

    hits(50)
    rows["ratelimits.hit() locmem"] = stats(hits(2000))
    if args.redis:
        prefix = f"byline-bench-{os.getpid()}"
        redis_cache = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": args.redis,
            "KEY_PREFIX": prefix,
        }
        with override_settings(CACHES={"default": redis_cache}):
            from django.core.cache import cache as rcache

            hits(50)
            rows["ratelimits.hit() Redis"] = stats(hits(2000))
            client = rcache._cache.get_client(write=True)  # type: ignore[attr-defined]
            for key in client.scan_iter(match=f"{prefix}:*"):  # never FLUSHDB a shared server
                client.delete(key)

    profile = ""
    if profiler:
        buffer = io.StringIO()
        stats_ = pstats.Stats(profiler, stream=buffer)
        stats_.sort_stats("cumulative").print_stats(30)
        stats_.sort_stats("tottime").print_stats(20)
        profile = buffer.getvalue()
    return {
        "backend": backend,
        "rows": rows,
        "throughput": throughput,
        "pipeline_outcomes": dict(outcomes),
        "submit_statuses": dict(statuses),
        "labels": site["labels"],
        "model_bytes": sizes,
        "versions": {k: v.version if v else 0 for k, v in site["versions"].items()},
        "profile": profile,
    }


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the two levels: a parent that prints, a child per database ------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--postgres", default="", help="postgres://… server: also run on PostgreSQL")
    p.add_argument("--redis", default="", help="redis://… to time hit() against a real Redis")
    p.add_argument("--comments", type=int, default=1000, help="submitted comments (1000)")
    p.add_argument("--existing", type=int, default=2000, help="comments already there (2000)")
    p.add_argument("--posts", type=int, default=50, help="posts they are spread over (50)")
    p.add_argument("--decisions", type=int, default=100, help="moderator decisions (100)")
    p.add_argument("--learn-runs", type=int, default=40, help="learn_new_labels timings (40)")
    p.add_argument("--datasets", type=Path, default=None, help="mix in data set rows (read only)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--profile", action="store_true", help="cProfile the submit_comment loop")
    p.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    for name in ("comments", "existing", "posts", "decisions", "learn_runs"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def child(args: argparse.Namespace) -> None:
    tmp = tempfile.mkdtemp(prefix="byline-bench-moderation-")
    url, drop = prepare_database(args.postgres if args.child == "postgres" else "", tmp, BENCH_DB)
    try:
        setup_django(url, tmp, local_cache=True)  # Redis is timed on its own
        result = measure(args, args.child)
        from django.db import connections

        connections.close_all()
    finally:
        drop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("RESULT " + json.dumps(result))


def rerun_command(args: argparse.Namespace) -> str:
    parts = [".venv/bin/python bench/moderation/cost.py"]
    for flag in ("comments", "existing", "posts", "decisions"):
        default = {"comments": 1000, "existing": 2000, "posts": 50, "decisions": 100}[flag]
        if getattr(args, flag) != default:
            parts.append(f"--{flag} {getattr(args, flag)}")
    if args.postgres:
        parts.append("--postgres " + re.sub(r":[^:@/]+@", ":***@", args.postgres))
    if args.redis:
        parts.append(f"--redis {args.redis}")
    if args.datasets:
        parts.append(f"--datasets {args.datasets}")
    return " ".join(parts)


def main() -> None:
    args = parse_args()
    if args.child:
        child(args)
        return
    if args.postgres and not args.postgres.startswith(("postgres://", "postgresql://")):
        sys.exit("--postgres must be a postgres:// URL")
    backends = ["sqlite", *(["postgres"] if args.postgres else [])]
    results = []
    for backend in backends:
        proc = subprocess.run(
            [sys.executable, __file__, *sys.argv[1:], "--child", backend],
            stdout=subprocess.PIPE, text=True, check=False, cwd=ROOT,
        )  # fmt: skip
        line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
        if proc.returncode or line is None:
            sys.exit(f"the {backend} run failed (exit {proc.returncode})")
        results.append(json.loads(line[len("RESULT ") :]))
    report(args, results)


def report(args: argparse.Namespace, results: list[dict[str, Any]]) -> None:
    first = results[0]
    names = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
    head = " | ".join(f"{names[r['backend']]} median | {names[r['backend']]} p99" for r in results)
    print(
        f"\n### Moderation cost per comment — {args.comments} submissions, {args.existing} "
        f"existing comments on {args.posts} posts, 30 terms, 50 active bans, classifiers after "
        f"{first['labels']} training labels (spam v{first['versions']['spam']}, abuse "
        f"v{first['versions']['abuse']}; stored model {first['model_bytes'].get('spam', 0) // 1024}"
        f" + {first['model_bytes'].get('abuse', 0) // 1024} KiB)\n"
    )
    print(f"| ms per call | {head} |")
    print("|---|" + "---:|" * (2 * len(results)))
    for label in first["rows"]:
        cells = []
        for r in results:
            row = r["rows"].get(label)
            cells += [f"{row['median']:.2f}", f"{row['p99']:.2f}"] if row else ["–", "–"]
        print(f"| {label} | {' | '.join(cells)} |")
    print("\nClassifier throughput (comments/s, one core): " + ", ".join(
        f"{k} {v:,.0f}" for k, v in first["throughput"].items()
    ))  # fmt: skip
    for r in results:
        p99 = r["rows"]["pipeline.run (all phases)"]["p99"]
        verdict = "meets" if p99 < TARGET_P99_MS else "MISSES"
        print(
            f"{names[r['backend']]}: pipeline p99 {p99:.1f} ms {verdict} the "
            f"{TARGET_P99_MS:.0f} ms target; pipeline verdicts {r['pipeline_outcomes']}; "
            f"stored {r['submit_statuses']}"
        )
        if r["profile"]:
            print(f"\ncProfile of the submit_comment loop ({names[r['backend']]}):\n{r['profile']}")
    print(f"\nRerun: {rerun_command(args)}")


if __name__ == "__main__":
    main()
