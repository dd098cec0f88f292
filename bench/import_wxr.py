"""How fast, and in how much memory, does ``byline import wordpress`` take a big WXR export?

Generates a synthetic WXR 1.2 file with ``bench/wxr_gen.py`` (``--posts`` × ``--comments-per-post``
comments, deterministic for ``--seed``; or takes ``--file``), creates a throwaway database (a temp
SQLite file, or ``byline_bench_import_<pid>`` created on the PostgreSQL server named by
``--postgres``) and runs ``byline migrate`` in its own process. Then, each in a fresh process
under ``/usr/bin/time`` (or a small Python wrapper when that is missing), it measures:

* ``import``    ``byline import wordpress FILE --quiet`` into the empty database;
* ``re-import`` the same command again (idempotent: must add and update nothing);
* ``export``    ``byline export wordpress -o FILE``.

For each: wall time of the whole command (interpreter and Django start-up included), comments
per second, the process's peak RSS (``ru_maxrss`` of that process alone: migrate's is not
counted) and RSS samples at 25/50/75% of the run (steady growth means something is kept per
item). After the first import it checks the database against the generated file: every comment
is there whatever its status, statuses and kinds match, every reply keeps its ``in_reply_to``,
each post's public comments are numbered 1..k oldest first, non-public comments have no number,
tree paths nest, and the posts' counters agree. The re-import must leave the counts unchanged and
report every comment unchanged; the export must hold every comment.

The code measured is a copy of ``byline/`` taken at the start (``--code-rev REV`` copies a
commit instead, e.g. ``HEAD`` to compare with uncommitted work; ``--live-code`` runs the work
tree itself), so edits made by others during a long run cannot mix into it; the output names
the commit and a digest of the files run.

``--profile cpu|mem`` instead runs one import in-process under cProfile (top functions by
cumulative and own time) or tracemalloc (peak, and the biggest allocation sites at the peak).
Use ~50,000 comments for a profile: it is several times slower than a plain run.

Rerun (the runner prints its own exact command line too)::

    .venv/bin/python bench/import_wxr.py --posts 200 --comments-per-post 50
    .venv/bin/python bench/import_wxr.py --posts 10000 --comments-per-post 100
    .venv/bin/python bench/import_wxr.py --posts 2000 --comments-per-post 100 \\
        --postgres postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/import_wxr.py --posts 500 --comments-per-post 100 --profile cpu

Temp files and the benchmark database are removed at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from benchdb import prepare_database  # noqa: E402
from wxr_gen import Stats, generate  # noqa: E402

# One database per run (the pid): two runs on one server must not drop each other's.
BENCH_DB = f"byline_bench_import_{os.getpid()}"
BYLINE = ROOT / ".venv" / "bin" / "byline"
PYTHON = ROOT / ".venv" / "bin" / "python"
TIME = Path("/usr/bin/time")
# Runs a command and prints its peak RSS (KiB): used only when /usr/bin/time is missing. A fresh
# interpreter whose only child is the measured command, so RUSAGE_CHILDREN is that command's.
_RSS_WRAPPER = (
    "import resource, subprocess, sys\n"
    "rc = subprocess.call(sys.argv[2:])\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "open(sys.argv[1], 'w').write(f'{u.ru_utime} {u.ru_stime} {u.ru_maxrss}')\n"
    "sys.exit(rc)\n"
)


@dataclass
class Measured:
    label: str
    wall: float
    peak_kib: int
    cpu: float  # user + system seconds of the measured process
    samples: list[tuple[float, int]] = field(default_factory=list)  # (seconds, RSS KiB)
    stdout: str = ""

    def rss_at(self, share: float) -> int:
        """The RSS sampled closest to ``share`` of the run (0 when nothing was sampled)."""
        if not self.samples:
            return 0
        target = self.wall * share
        return min(self.samples, key=lambda s: abs(s[0] - target))[1]


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--posts", type=int, default=200, help="posts in the generated file (200)")
    p.add_argument("--comments-per-post", type=int, default=50, help="comments per post (50)")
    p.add_argument("--seed", type=int, default=1, help="random seed of the generator (1)")
    p.add_argument("--file", type=Path, help="import this WXR file instead of generating one")
    p.add_argument("--postgres", default="", help="postgres://… server for the bench database")
    p.add_argument("--workdir", type=Path, help="where temp files go (a new folder in /tmp)")
    p.add_argument("--no-reimport", action="store_true", help="skip the second import")
    p.add_argument("--no-export", action="store_true", help="skip the export")
    p.add_argument("--keep", action="store_true", help="keep the temp folder and database")
    p.add_argument(
        "--code-rev",
        default="",
        help="run byline/ as of this git commit (e.g. HEAD) instead of the work tree",
    )
    p.add_argument(
        "--live-code",
        action="store_true",
        help="run the work tree's byline/ (default: a copy taken at the start, so that edits "
        "made during a long run don't mix into it)",
    )
    p.add_argument("--profile", choices=("cpu", "mem"), help="profile one import in-process")
    p.add_argument("--top", type=int, default=30, help="rows of profile output (30)")
    return p.parse_args()


# -- databases ---------------------------------------------------------------------------------
def query_function(db_url: str) -> Callable[[str], list[tuple[Any, ...]]]:
    """Run one SQL statement on the bench database (no Django in this process)."""
    if db_url.startswith("sqlite:"):
        path = db_url.removeprefix("sqlite:///")

        def on_sqlite(statement: str) -> list[tuple[Any, ...]]:
            with sqlite3.connect(path) as conn:
                return list(conn.execute(statement).fetchall())

        return on_sqlite
    import psycopg

    def on_postgres(statement: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(db_url) as conn:
            return list(conn.execute(statement).fetchall())

    return on_postgres


def database_size(db_url: str, query: Callable[[str], list[tuple[Any, ...]]]) -> int:
    if db_url.startswith("sqlite:"):
        base = db_url.removeprefix("sqlite:///")
        return sum(os.path.getsize(p) for p in (base, base + "-wal") if os.path.exists(p))
    return int(query(f"SELECT pg_database_size('{BENCH_DB}')")[0][0])


# -- measuring -----------------------------------------------------------------------------------
def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    out: list[int] = []
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            kids = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        out.extend(int(k) for k in kids)
        todo.extend(int(k) for k in kids)
    return out


def measure(label: str, command: Sequence[str], env: dict[str, str], tmp: Path) -> Measured:
    """Run ``command`` in a fresh process; its wall time, peak RSS and RSS over time."""
    rss_file = tmp / "rss.txt"
    rss_file.unlink(missing_ok=True)
    if TIME.exists():
        wrapped = [str(TIME), "-f", "%U %S %M", "-o", str(rss_file), *command]
    else:
        wrapped = [sys.executable, "-c", _RSS_WRAPPER, str(rss_file), *command]
    samples: list[tuple[float, int]] = []
    started = time.perf_counter()
    proc = subprocess.Popen(
        wrapped, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            kids = _descendants(proc.pid)
            if kids:
                samples.append((time.perf_counter() - started, max(_rss_kib(k) for k in kids)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise StepFailed(f"{label} failed ({proc.returncode}):\n{stdout}\n{stderr[-3000:]}")
    user, system, peak = rss_file.read_text().split()[-3:]
    return Measured(label, wall, int(peak), float(user) + float(system), samples, stdout + stderr)


def run_quietly(command: Sequence[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise StepFailed(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr[-3000:]}")


def count_in_file(path: Path, needle: bytes) -> int:
    count = 0
    with path.open("rb") as f:
        for line in f:
            count += line.count(needle)
    return count


# -- correctness ---------------------------------------------------------------------------------
def check_import(query: Callable[[str], list[tuple[Any, ...]]], stats: Stats | None) -> list[str]:
    """Problems found in the imported database (empty: all good)."""
    problems: list[str] = []

    def one(statement: str) -> Any:
        return query(statement)[0][0]

    total = one("SELECT COUNT(*) FROM discussion_comment")
    if stats is not None:
        if total != stats.comments:
            problems.append(f"{total:,} comments in the database, {stats.comments:,} in the file")
        by_status = dict(query("SELECT status, COUNT(*) FROM discussion_comment GROUP BY status"))
        s = stats.by_status
        wanted = {
            "public": s["1"],
            "pending": s["0"],
            "spam": s["spam"],
            "removed": s["trash"] + s["post-trashed"],
        }
        if {k: by_status.get(k, 0) for k in wanted} != wanted:
            problems.append(f"statuses {by_status} where the file has {wanted}")
        by_kind = dict(query("SELECT kind, COUNT(*) FROM discussion_comment GROUP BY kind"))
        if by_kind != {k: n for k, n in stats.by_type.items() if n}:
            problems.append(f"kinds {by_kind} where the file has {dict(stats.by_type)}")
        replies = one("SELECT COUNT(*) FROM discussion_comment WHERE in_reply_to_id IS NOT NULL")
        if replies != stats.replies:
            problems.append(f"{replies:,} comments answer another, the file has {stats.replies:,}")
        posts = one("SELECT COUNT(*) FROM publishing_post")
        if posts != stats.posts:
            problems.append(f"{posts:,} posts in the database, {stats.posts:,} in the file")
        # Each post's public comment count against the file's, through the import mapping.
        rows = query(
            "SELECT m.source_id, COUNT(c.id) FROM migration_importedobject m "
            "LEFT JOIN discussion_comment c ON c.post_id = m.object_id AND c.status = 'public' "
            "WHERE m.kind = 'post' GROUP BY m.source_id"
        )
        off = [r for r in rows if stats.public_by_post.get(int(r[0])) != r[1]]
        if off or len(rows) != len(stats.public_by_post):
            problems.append(f"{len(off)} posts have a public comment count unlike the file's")
    bad_numbers = query(
        "SELECT post_id, COUNT(*), MIN(number), MAX(number), COUNT(DISTINCT number) "
        "FROM discussion_comment WHERE status = 'public' GROUP BY post_id "
        "HAVING MIN(number) <> 1 OR MAX(number) <> COUNT(*) OR COUNT(DISTINCT number) <> COUNT(*)"
    )
    if bad_numbers:
        problems.append(f"{len(bad_numbers)} posts whose public comments are not numbered 1..k")
    out_of_order = one(
        "SELECT COUNT(*) FROM (SELECT number, ROW_NUMBER() OVER "
        "(PARTITION BY post_id ORDER BY created_at, id) AS n FROM discussion_comment "
        "WHERE status = 'public') t WHERE number <> n"
    )
    if out_of_order:
        problems.append(f"{out_of_order:,} public comments are not numbered oldest first")
    numbered = one(
        "SELECT COUNT(*) FROM discussion_comment WHERE status <> 'public' AND number IS NOT NULL"
    )
    if numbered:
        problems.append(f"{numbered:,} non-public comments have a number")
    bad_tree = one(
        "SELECT COUNT(*) FROM discussion_comment c JOIN discussion_comment p ON p.id = c.parent_id "
        "WHERE c.depth <> p.depth + 1 OR SUBSTR(c.path, 1, LENGTH(p.path)) <> p.path "
        "OR c.post_id <> p.post_id"
    )
    if bad_tree:
        problems.append(f"{bad_tree:,} replies whose depth or path does not nest in the parent's")
    top_bad = one("SELECT COUNT(*) FROM discussion_comment WHERE parent_id IS NULL AND depth <> 0")
    if top_bad:
        problems.append(f"{top_bad:,} top-level comments with a depth")
    max_depth = one("SELECT MAX(depth) FROM discussion_comment")
    limit = one("SELECT COALESCE(MAX(max_depth), 5) FROM discussion_discussionsettings")
    if max_depth is not None and max_depth > limit - 1:
        problems.append(f"a comment at depth {max_depth}, past the limit of {limit} levels")
    counters = one(
        "SELECT COUNT(*) FROM publishing_post p WHERE p.public_comment_count <> "
        "(SELECT COUNT(*) FROM discussion_comment c WHERE c.post_id = p.id "
        "AND c.status = 'public') OR p.last_comment_number < p.public_comment_count"
    )
    if counters:
        problems.append(f"{counters} posts whose comment counters disagree with their comments")
    return problems


def summary_counts(output: str) -> dict[str, int]:
    """The ``name: n; …`` summary the import command prints, as a dict."""
    for line in output.splitlines():
        if line.startswith("Imported "):
            body = line.split(": ", 1)[1]
            out = {}
            for part in body.split("; "):
                name, _, n = part.rpartition(": ")
                out[name] = int(n.replace(",", ""))
            return out
    return {}


# -- profiling -----------------------------------------------------------------------------------
_PROFILE_CHILD = r"""
import os, sys, time
import django
django.setup()
from byline.migration.wordpress import import_wordpress, WordPressImporter
mode, path, top = sys.argv[1], sys.argv[2], int(sys.argv[3])
if mode == "cpu":
    import cProfile, pstats
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.runcall(import_wordpress, path)
    print(f"import: {time.perf_counter() - t0:.1f}s under cProfile")
    stats = pstats.Stats(prof)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
else:
    import gc, tracemalloc
    tracemalloc.start(12)
    peak = {"bytes": 0, "snapshot": None, "items": 0}
    original = WordPressImporter.item

    def item(self, record):
        original(self, record)
        peak["items"] += 1
        current, _ = tracemalloc.get_traced_memory()
        if current > peak["bytes"] * 1.05:
            peak["bytes"] = current
            peak["snapshot"] = tracemalloc.take_snapshot()
            peak["at"] = peak["items"]

    WordPressImporter.item = item
    t0 = time.perf_counter()
    import_wordpress(path)
    current, highest = tracemalloc.get_traced_memory()
    print(f"import: {time.perf_counter() - t0:.1f}s under tracemalloc; traced now "
          f"{current / 2**20:.1f} MiB, peak {highest / 2**20:.1f} MiB; largest snapshot "
          f"{peak['bytes'] / 2**20:.1f} MiB after item {peak.get('at')} of {peak['items']}")
    snap = peak["snapshot"].filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
    print("\n-- biggest allocation sites at the largest snapshot (by line) --")
    for s in snap.statistics("lineno")[:top]:
        print(f"{s.size / 2**20:8.2f} MiB {s.count:>9,} blocks  {s.traceback[0]}")
    print("\n-- by file --")
    for s in snap.statistics("filename")[:top]:
        print(f"{s.size / 2**20:8.2f} MiB {s.count:>9,} blocks  {s.traceback[0].filename}")
    print("\n-- biggest traceback --")
    for s in snap.statistics("traceback")[:3]:
        print(f"{s.size / 2**20:8.2f} MiB {s.count:>9,} blocks")
        for line in s.traceback.format()[-24:]:
            print("   ", line)
"""


def profile(mode: str, file: Path, env: dict[str, str], top: int) -> None:
    command = [str(PYTHON), "-c", _PROFILE_CHILD, mode, str(file), str(top)]
    result = subprocess.run(command, env=env, cwd=env["BYLINE_VAR_DIR"], check=False)
    if result.returncode != 0:
        raise StepFailed("the profiled import failed")


# -- the run -------------------------------------------------------------------------------------
def code_version(rev: str = "") -> str:
    """The commit measured, or the work tree's commit and whether byline/ had changes."""

    def git(*args: str) -> str:
        result = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        )
        return result.stdout.strip()

    if rev:
        return f"commit {git('rev-parse', '--short', rev) or rev}"
    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "byline")
    changes = f" + uncommitted changes in {len(dirty.splitlines())} files" if dirty else ""
    return f"work tree at {commit}{changes}"


def rerun_command(args: argparse.Namespace) -> str:
    parts = [".venv/bin/python", "bench/import_wxr.py"]
    if args.file:
        parts += ["--file", str(args.file)]
    else:
        parts += ["--posts", str(args.posts), "--comments-per-post", str(args.comments_per_post)]
        parts += ["--seed", str(args.seed)]
    if args.postgres:
        url = urlsplit(args.postgres)
        if url.password:  # not into logs: type it again
            url = url._replace(netloc=url.netloc.replace(f":{url.password}@", ":PASSWORD@"))
        parts += ["--postgres", urlunsplit(url)]
    if args.code_rev:
        parts += ["--code-rev", args.code_rev]
    for flag in ("no_reimport", "no_export", "keep", "live_code"):
        if getattr(args, flag):
            parts.append("--" + flag.replace("_", "-"))
    if args.profile:
        parts += ["--profile", args.profile]
    return shlex.join(parts)


class StepFailed(Exception):
    pass


HEADER = (
    f"{'step':<10}{'file MB':>9}{'posts':>8}{'comments':>11}{'wall s':>9}{'CPU s':>8}"
    f"{'comments/s':>12}{'per CPU s':>11}{'peak RSS MB':>13}   RSS MB at 25/50/75%"
)


def row(m: Measured, size_mb: float, posts: int, comments: int) -> str:
    trend = "/".join(f"{m.rss_at(s) / 1024:.0f}" for s in (0.25, 0.5, 0.75))
    return (
        f"{m.label:<10}{size_mb:>9,.1f}{posts:>8,}{comments:>11,}{m.wall:>9.1f}{m.cpu:>8.1f}"
        f"{comments / m.wall:>12,.0f}{comments / max(m.cpu, 0.01):>11,.0f}"
        f"{m.peak_kib / 1024:>13,.0f}   {trend}"
    )


def snapshot_code(tmp: Path, rev: str) -> Path:
    """Copy byline/ (the work tree as it is now, or a commit) to run that copy, unchanged."""
    code = tmp / "code"
    if rev:
        code.mkdir()
        archive = subprocess.run(
            ["git", "archive", rev, "byline"], cwd=ROOT, capture_output=True, check=False
        )
        if archive.returncode != 0:
            raise StepFailed(f"git archive {rev}: {archive.stderr.decode()}")
        subprocess.run(["tar", "-x", "-C", str(code)], input=archive.stdout, check=True)
    else:
        shutil.copytree(
            ROOT / "byline", code / "byline", ignore=shutil.ignore_patterns("__pycache__")
        )
    return code


def tree_digest(code: Path) -> str:
    """A short hash of the Python files run, to tell apart runs of a work tree in flux."""
    digest = hashlib.sha256()
    for path in sorted((code / "byline").rglob("*.py")):
        if "tests" not in path.parts:
            digest.update(str(path.relative_to(code)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def main() -> None:
    args = parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="byline-bench-import-", dir=args.workdir))
    drop: Callable[[], None] = lambda: None  # noqa: E731
    rows: list[str] = []
    problems: list[str] = []
    version = "?"
    try:
        code = ROOT if args.live_code else snapshot_code(tmp, args.code_rev)
        version = f"{code_version(args.code_rev)}; byline/*.py digest {tree_digest(code)}"
        stats: Stats | None = None
        if args.file:
            wxr = args.file.resolve()
        else:
            wxr = tmp / "bench.wxr"
            print(f"Generating {args.posts:,} posts × {args.comments_per_post:,} comments …")
            stats = generate(wxr, args.posts, args.comments_per_post, args.seed)
            print(
                f"  {stats.bytes / 1e6:,.1f} MB in {stats.seconds:.1f}s: {stats.comments:,} "
                f"comments ({stats.replies:,} replies, {stats.out_of_order:,} before their "
                f"parent, deepest chain {stats.max_depth + 1}), statuses {dict(stats.by_status)}"
            )
        db_url, drop = prepare_database(args.postgres, tmp, BENCH_DB)
        env = {
            **os.environ,
            "DATABASE_URL": db_url,
            "BYLINE_VAR_DIR": str(tmp / "var"),
            "BYLINE_ENV": "development",
            "DEBUG": "0",  # DEBUG keeps every query in memory: it would dominate the RSS
            "DJANGO_SETTINGS_MODULE": "byline.settings",
            "PYTHONPATH": str(code),  # ahead of the editable install's finder
        }
        engine = "PostgreSQL" if args.postgres else "SQLite"
        print(f"Code: {version}" + ("" if args.live_code else f" (copied to {code})"))
        pending = subprocess.run(
            [str(BYLINE), "makemigrations", "--check", "--dry-run"],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if pending.returncode != 0:
            raise StepFailed(
                "the models have changes without a migration (someone is mid-edit?); "
                f"try again later:\n{pending.stdout}{pending.stderr}"
            )
        print(f"Database: {engine}; migrating …")
        run_quietly([str(BYLINE), "migrate", "--verbosity", "0"], env)
        if args.profile:
            profile(args.profile, wxr, env, args.top)
            return
        query = query_function(db_url)
        file_mb = wxr.stat().st_size / 1e6
        posts = stats.posts if stats else 0
        import_command = [str(BYLINE), "import", "wordpress", str(wxr), "--quiet"]

        print("Importing …", flush=True)
        first = measure("import", import_command, env, tmp)
        comments = int(query("SELECT COUNT(*) FROM discussion_comment")[0][0])
        posts = posts or int(query("SELECT COUNT(*) FROM publishing_post")[0][0])
        db_mb = database_size(db_url, query) / 1e6
        rows.append(row(first, file_mb, posts, comments))
        print(f"{HEADER}\n{rows[-1]}\n  database after import: {db_mb:,.0f} MB", flush=True)
        counts = summary_counts(first.stdout)
        print("  import summary:", ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        for line in first.stdout.splitlines():
            if line.strip().startswith("note:"):
                print("   ", line.strip())
        t0 = time.perf_counter()
        problems += check_import(query, stats)
        print(f"  checks took {time.perf_counter() - t0:.1f}s: {len(problems)} problems")

        if not args.no_reimport:
            print("Importing the same file again …", flush=True)
            again = measure("re-import", import_command, env, tmp)
            rows.append(row(again, file_mb, posts, comments))
            print(rows[-1], flush=True)
            after = int(query("SELECT COUNT(*) FROM discussion_comment")[0][0])
            recount = summary_counts(again.stdout)
            if after != comments:
                problems.append(f"re-import: {after - comments:+,} comments")
            changed = {
                k: n for k, n in recount.items() if k.endswith(("added", "updated", "created"))
            }
            if changed:
                problems.append(f"re-import changed things: {changed}")
            if recount.get("comments unchanged") != comments:
                problems.append(
                    f"re-import: {recount.get('comments unchanged')} comments unchanged, "
                    f"expected {comments:,}"
                )
            problems += [f"after re-import: {p}" for p in check_import(query, None)]

        if not args.no_export:
            print("Exporting …", flush=True)
            out = tmp / "export.xml"
            exported = measure(
                "export", [str(BYLINE), "export", "wordpress", "-o", str(out)], env, tmp
            )
            in_export = count_in_file(out, b"<wp:comment>")
            if in_export != comments:
                problems.append(f"export holds {in_export:,} comments, the site {comments:,}")
            rows.append(row(exported, out.stat().st_size / 1e6, posts, comments))
            print(rows[-1], flush=True)
            out.unlink()
    except StepFailed as exc:
        problems.append(f"STOPPED: {exc}")
    finally:
        if rows:
            load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
            print(f"\n{'PostgreSQL' if args.postgres else 'SQLite'}, {os.cpu_count()} CPUs "
                  f"(load average at the end {load})")  # fmt: skip
            print(HEADER)
            print("-" * len(HEADER))
            print("\n".join(rows))
            if args.postgres:
                print("(CPU s is the byline process alone; the server's share is in wall s.)")
        print(f"\ncode: {version}")
        print("checks:", "all passed" if not problems else "")
        for p in problems:
            print("  PROBLEM:", p)
        print(f"\nRerun: {rerun_command(args)}")
        if args.keep:
            print(f"Kept {tmp}" + (f" and the database {BENCH_DB}" if args.postgres else ""))
        else:
            drop()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
