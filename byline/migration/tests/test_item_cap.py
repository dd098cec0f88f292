"""Per-item memory is bounded (issue 10: "one 150 MB post body takes 1.7 GB"): an entry over
``BYLINE_IMPORT_MAX_ITEM_BYTES`` is not read whole; it is refused, named, and the rest of the
file is imported. Files are generated here (invented text)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from byline.discussion.models import Comment
from byline.migration.disqus import iter_disqus
from byline.migration.disqus_import import import_disqus
from byline.migration.records import ArchiveError, DisqusPost, RefusedRecord, WxrItem, WxrSite
from byline.migration.wordpress import import_wordpress
from byline.migration.wxr import iter_wxr
from byline.publishing.models import Post

CAP = 64 * 1024
PARAGRAPH = "The ferry was late again, and the queue reached the chandlery.\n\n"

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">'
    "<channel><title>Quay</title><link>https://quay.example.org</link>"
)


def item(n: int, body: str, title: str = "") -> str:
    return (
        f"<item><title>{title or f'Post {n}'}</title><wp:post_id>{n}</wp:post_id>"
        f"<wp:post_name>post-{n}</wp:post_name><wp:status>publish</wp:status>"
        "<wp:post_type>post</wp:post_type>"
        "<wp:post_date_gmt>2012-01-01 10:00:00</wp:post_date_gmt>"
        f"<content:encoded><![CDATA[{body}]]></content:encoded>"
        f"<wp:comment><wp:comment_id>{n}</wp:comment_id>"
        "<wp:comment_author>Reader</wp:comment_author>"
        "<wp:comment_date_gmt>2012-01-02 10:00:00</wp:comment_date_gmt>"
        "<wp:comment_content>Noted.</wp:comment_content>"
        "<wp:comment_approved>1</wp:comment_approved></wp:comment></item>"
    )


def wxr(*items: str) -> bytes:
    return (HEAD + "".join(items) + "</channel></rss>").encode()


def disqus(message: str) -> bytes:
    def post(pid: str, text: str) -> str:
        return (
            f'<post dsq:id="{pid}"><message><![CDATA[{text}]]></message>'
            "<createdAt>2012-01-02T10:00:00Z</createdAt><author><name>R</name></author>"
            '<thread dsq:id="1"/></post>'
        )

    return (
        '<?xml version="1.0"?><disqus xmlns="http://disqus.com" '
        'xmlns:dsq="http://disqus.com/disqus-internals">'
        '<thread dsq:id="1"><link>https://quay.example.org/x/</link><title>T</title></thread>'
        + post("11", "short")
        + post("12", message)
        + post("13", "also short")
        + "</disqus>"
    ).encode()


BIG = PARAGRAPH * (4 * CAP // len(PARAGRAPH))


def test_an_oversized_item_is_refused_by_name_and_the_rest_is_read():
    data = wxr(item(1, PARAGRAPH), item(2, BIG, title="The longest queue"), item(3, PARAGRAPH))
    records = list(iter_wxr(io.BytesIO(data), max_item_bytes=CAP))
    assert [type(r).__name__ for r in records] == [
        "WxrSite", "WxrItem", "RefusedRecord", "WxrItem",
    ]  # fmt: skip
    refused = records[2]
    assert isinstance(refused, RefusedRecord)
    assert refused.label == "post 2 ('The longest queue')"
    assert "larger than the 65,536 bytes one entry may hold" in refused.reason
    assert "BYLINE_IMPORT_MAX_ITEM_BYTES" in refused.reason
    last = records[3]
    assert (
        isinstance(last, WxrItem) and last.source_id == 3 and last.comments[0].content == "Noted."
    )
    # Under the cap, the same item is read whole.
    whole = list(iter_wxr(io.BytesIO(data), max_item_bytes=8 * CAP))
    assert [r.source_id for r in whole if isinstance(r, WxrItem)] == [1, 2, 3]


def test_oversized_at_the_start_or_end_of_the_file():
    for data, ids in (
        (wxr(item(1, BIG), item(2, PARAGRAPH)), [2]),
        (wxr(item(1, PARAGRAPH), item(2, BIG)), [1]),
    ):
        records = list(iter_wxr(io.BytesIO(data), max_item_bytes=CAP))
        assert isinstance(records[0], WxrSite)
        assert [r.source_id for r in records if isinstance(r, WxrItem)] == ids
        assert sum(isinstance(r, RefusedRecord) for r in records) == 1


def test_a_file_that_cannot_be_read_again_stops_with_a_clear_error():
    class Pipe(io.RawIOBase):  # like a pipe: no seeking back
        def __init__(self, data: bytes) -> None:
            self.stream = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
            chunk = self.stream.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    data = wxr(item(1, PARAGRAPH), item(2, BIG))
    with pytest.raises(ArchiveError, match="cannot be read again"):
        list(iter_wxr(Pipe(data), max_item_bytes=CAP))  # type: ignore[arg-type]


def test_a_single_giant_comment_or_tag_is_an_error_not_a_memory_hog():
    data = HEAD.encode() + b"<!-- " + b"x" * (4 * CAP) + b" -->" + wxr(item(1, "x"))[len(HEAD) :]
    with pytest.raises(ArchiveError, match="single tag or comment"):
        list(iter_wxr(io.BytesIO(data), max_item_bytes=CAP))


def test_an_oversized_disqus_comment_is_refused_by_its_id():
    records = list(iter_disqus(io.BytesIO(disqus(BIG)), max_item_bytes=CAP))
    posts = [r.source_id for r in records if isinstance(r, DisqusPost)]
    refused = [r for r in records if isinstance(r, RefusedRecord)]
    assert posts == ["11", "13"]
    assert refused[0].kind == "post" and refused[0].label.startswith("comment 12")


@pytest.mark.django_db
def test_the_imports_leave_the_oversized_item_out_and_say_so(tmp_path):
    path = tmp_path / "export.xml"
    path.write_bytes(wxr(item(1, PARAGRAPH), item(2, BIG, title="The longest queue"), item(3, "x")))
    report = import_wordpress(path, max_item_bytes=CAP)
    assert sorted(Post.objects.values_list("slug", flat=True)) == ["post-1", "post-3"]
    assert report.counts["items_refused"] == 1
    assert any(
        "Not imported: WordPress post 2 ('The longest queue'): it is larger than" in n
        for n in report.notes
    )
    path = tmp_path / "disqus.xml"
    path.write_bytes(disqus(BIG))
    report = import_disqus(path, max_item_bytes=CAP)
    assert report.counts["disqus_posts"] == 3 and report.counts["disqus_posts_refused"] == 1
    assert report.counts["disqus_posts_unattached"] == 2  # the thread matches no post
    assert not Comment.objects.filter(origin_id="dsq:12").exists()


# The child's own peak (VmHWM: ru_maxrss would start from this pytest process's size, which
# Linux carries across fork and exec).
MEASURE = """
import re, resource, sys
sys.path.insert(0, sys.argv[1])
from byline.migration.wxr import iter_wxr
kinds = [type(r).__name__ for r in iter_wxr(sys.argv[2], max_item_bytes=1024 * 1024)]
try:
    peak = int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(kinds.count("RefusedRecord"), kinds.count("WxrItem"), peak)
"""


def test_a_100_mb_body_costs_the_cap_not_the_body(tmp_path):
    """Peak memory of reading an export whose second post has a 100 MB body, cap 1 MB, in a
    process of its own. Before the cap, reading it took 2.5 times the body (about 300 MB)."""
    path = tmp_path / "big.xml"
    block = PARAGRAPH * (1024 * 1024 // len(PARAGRAPH))
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD + item(1, PARAGRAPH) + item(2, "").split("<![CDATA[")[0] + "<![CDATA[")
        for _ in range(100):
            out.write(block)
        out.write("]]></content:encoded></item>" + item(3, PARAGRAPH) + "</channel></rss>")
    root = str(Path(__file__).resolve().parents[3])
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, root, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    refused, items, peak_kib = map(int, result.stdout.split())
    assert (refused, items) == (1, 2)
    assert peak_kib < 120 * 1024, f"peak {peak_kib // 1024} MB"
