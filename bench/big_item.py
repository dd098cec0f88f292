"""Peak memory of importing an archive with one huge item (issue 10: "one 150 MB post body takes
1.7 GB of memory").

Writes a WXR export (``wxr``) or a Disqus export (``disqus``) of three posts/comments, the middle
one with a body of ``--mb`` megabytes, then runs in a fresh process (interpreter and Django
included) either the parser alone (``--stage parse``: every record is read and dropped) or the
whole ``byline import`` into a throwaway SQLite database (``--stage import``, after ``byline
migrate`` in its own process), and prints that process's peak RSS (``VmHWM``, else
``ru_maxrss``) and wall time.

``--code DIR`` runs the ``byline`` package found in DIR (e.g. a copy taken before a change) instead
of this work tree's, to compare before and after on the same machine::

    .venv/bin/python bench/big_item.py --format wxr --mb 150 --stage parse
    .venv/bin/python bench/big_item.py --format wxr --mb 150 --stage import --code /tmp/before

``BYLINE_IMPORT_MAX_ITEM_BYTES`` (default 20 MB) decides whether the huge item is refused; set it
in the environment to try other caps.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PARAGRAPH = (
    "The harbour master kept a ledger of every boat that left before dawn, and the ledger "
    "grew thicker each winter. Nobody read it twice.\n\n"
)

WXR_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Big item</title><link>https://big.example.org</link>
<wp:wxr_version>1.2</wp:wxr_version><wp:base_blog_url>https://big.example.org</wp:base_blog_url>
"""

WXR_ITEM = """<item><title>Post {n}</title><link>https://big.example.org/?p={n}</link>
<dc:creator>admin</dc:creator><wp:post_id>{n}</wp:post_id><wp:post_type>post</wp:post_type>
<wp:status>publish</wp:status><wp:post_name>post-{n}</wp:post_name>
<wp:post_date>2012-01-0{n} 10:00:00</wp:post_date>
<wp:post_date_gmt>2012-01-0{n} 10:00:00</wp:post_date_gmt>
<content:encoded><![CDATA["""

WXR_ITEM_END = """]]></content:encoded>
<wp:comment><wp:comment_id>{n}</wp:comment_id><wp:comment_author>Reader</wp:comment_author>
<wp:comment_date_gmt>2012-01-0{n} 11:00:00</wp:comment_date_gmt>
<wp:comment_content><![CDATA[A short comment.]]></wp:comment_content>
<wp:comment_approved>1</wp:comment_approved></wp:comment></item>
"""

DISQUS_HEAD = """<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
<thread dsq:id="1"><link>https://big.example.org/nowhere/</link><title>T</title>
<createdAt>2012-01-01T00:00:00Z</createdAt><isClosed>false</isClosed><isDeleted>false</isDeleted></thread>
"""

DISQUS_POST = """<post dsq:id="{n}"><message><![CDATA["""
DISQUS_POST_END = """]]></message><createdAt>2012-01-02T00:00:00Z</createdAt>
<isDeleted>false</isDeleted><isSpam>false</isSpam><author><name>R</name></author>
<thread dsq:id="1"/></post>
"""


def write_body(out, megabytes: int) -> None:  # type: ignore[no-untyped-def]
    block = PARAGRAPH * (1024 * 1024 // len(PARAGRAPH))
    written = 0
    while written < megabytes * 1024 * 1024:
        out.write(block)
        written += len(block)


def generate(path: Path, kind: str, megabytes: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        if kind == "wxr":
            out.write(WXR_HEAD)
            for n in (1, 2, 3):
                out.write(WXR_ITEM.format(n=n))
                if n == 2:
                    write_body(out, megabytes)
                else:
                    out.write(PARAGRAPH)
                out.write(WXR_ITEM_END.format(n=n))
            out.write("</channel></rss>\n")
        else:
            out.write(DISQUS_HEAD)
            for n in (11, 12, 13):
                out.write(DISQUS_POST.format(n=n))
                if n == 12:
                    write_body(out, megabytes)
                else:
                    out.write(PARAGRAPH)
                out.write(DISQUS_POST_END)
            out.write("</disqus>\n")


# The process's own peak: VmHWM (ru_maxrss would include the parent's size at fork, which
# Linux carries across exec), else ru_maxrss.
PEAK = """
import re, resource
def peak():
    try:
        return int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""

PARSE = (
    PEAK
    + """
import sys, time
started = time.monotonic()
if sys.argv[1] == "wxr":
    from byline.migration.wxr import iter_wxr as parse
else:
    from byline.migration.disqus import iter_disqus as parse
kinds = {}
for record in parse(sys.argv[2]):
    kinds[type(record).__name__] = kinds.get(type(record).__name__, 0) + 1
print(f"records {kinds}; peak RSS {peak() / 1024:,.0f} MB; {time.monotonic() - started:.1f} s")
"""
)

IMPORT = (
    PEAK
    + """
import sys, time
started = time.monotonic()
from byline.cli import main
sys.argv = ["byline", "import", sys.argv[1], sys.argv[2], "--quiet"]
try:
    main()
except SystemExit as exc:
    print("exit", exc.code)
print(f"peak RSS {peak() / 1024:,.0f} MB; {time.monotonic() - started:.1f} s")
"""
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--format", choices=("wxr", "disqus"), default="wxr")
    parser.add_argument("--mb", type=int, default=150)
    parser.add_argument("--stage", choices=("parse", "import"), default="parse")
    parser.add_argument("--code", default=str(ROOT), help="folder holding the byline package")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / f"big.{args.format}.xml"
        generate(archive, args.format, args.mb)
        env = {
            **os.environ,
            "PYTHONPATH": args.code,
            "DATABASE_URL": f"sqlite:///{tmp}/big.sqlite3",
            "BYLINE_VAR_DIR": tmp,
            "DJANGO_SETTINGS_MODULE": "byline.settings",
            "BYLINE_ENV": "development",
        }
        env.setdefault("SECRET_KEY", "bench-only-not-a-secret")
        print(
            f"{archive.stat().st_size / 1024**2:,.0f} MB {args.format} file, code from {args.code}"
        )
        if args.stage == "parse":
            command = [sys.executable, "-c", PARSE, args.format, str(archive)]
        else:
            migrate = [sys.executable, "-m", "byline.cli", "migrate", "-v0"]
            subprocess.run(migrate, env=env, check=True, cwd=tmp)
            kind = "wordpress" if args.format == "wxr" else "disqus"
            command = [sys.executable, "-c", IMPORT, kind, str(archive)]
        started = time.monotonic()
        subprocess.run(command, env=env, check=False, cwd=tmp)
        print(f"wall {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
