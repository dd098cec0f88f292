"""Unit tests for the streaming WXR and Disqus parsers and their XML safety layer.

No database: the parsers only turn files into records. The fixtures under ``fixtures/`` are
invented for these tests.
"""

from __future__ import annotations

import codecs
import http.server
import io
import threading
import time
import tracemalloc
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from byline.migration.disqus import iter_disqus
from byline.migration.records import (
    ArchiveError,
    DisqusPost,
    DisqusThread,
    RefusedRecord,
    WxrAuthor,
    WxrItem,
    WxrSite,
    WxrTerm,
)
from byline.migration.wxr import iter_wxr
from byline.migration.xmlsafe import DTD_REFUSED, iter_event_batches

FIXTURES = Path(__file__).parent / "fixtures"
WXR_12 = FIXTURES / "wxr-1.2-notebook.xml"
WXR_11 = FIXTURES / "wxr-1.1-small.xml"
WXR_10 = FIXTURES / "wxr-1.0-legacy.xml"
DISQUS = FIXTURES / "disqus-export.xml"


def _of(records: list[object], kind: type) -> list:
    return [r for r in records if isinstance(r, kind)]


def _items(records: list[object]) -> dict[int, WxrItem]:
    return {r.source_id: r for r in records if isinstance(r, WxrItem)}


def _collect_until_error(iterator: Iterator[object]) -> tuple[list[object], ArchiveError]:
    """Records yielded before the parser raised, and the error itself."""
    got: list[object] = []
    with pytest.raises(ArchiveError) as info:
        for record in iterator:
            got.append(record)
    return got, info.value


def _position(data: bytes, needle: bytes) -> tuple[int, int]:
    """1-based (line, column in characters) of the first occurrence of needle in data."""
    before = data[: data.index(needle)]
    line = before.count(b"\n") + 1
    column = len(before.rpartition(b"\n")[2].decode("utf-8", "replace")) + 1
    return line, column


# --- WordPress WXR: content --------------------------------------------------------------------


@pytest.fixture(scope="module")
def notebook() -> list[object]:
    return list(iter_wxr(WXR_12))


def test_wxr_yields_site_first_then_authors_terms_items_in_file_order(notebook):
    kinds = [type(r).__name__ for r in notebook]
    assert kinds == ["WxrSite"] + ["WxrAuthor"] * 2 + ["WxrTerm"] * 7 + ["WxrItem"] * 5
    assert notebook[0] == WxrSite(
        title="Harbour Notebook ⚓",
        link="https://notebook.example.net",
        base_site_url="https://notebook.example.net",
        base_blog_url="https://notebook.example.net/blog",
        wxr_version="1.2",
        language="el",
    )


def test_wxr_authors_with_missing_fields_get_defaults(notebook):
    eleni, guest = _of(notebook, WxrAuthor)
    assert eleni == WxrAuthor(
        source_id=1,
        login="eleni",
        email="eleni@notebook.example.net",
        display_name="Ελένη Π.",
        first_name="Ελένη",
        last_name="Π.",
    )
    assert guest == WxrAuthor(source_id=None, login="guestwriter")


def test_wxr_terms_nested_categories_tags_and_generic_terms(notebook):
    terms = {(t.kind, t.slug): t for t in _of(notebook, WxrTerm)}
    assert terms["category", "essays"].description == "Longer pieces"
    assert terms["category", "long-reads"].parent_slug == "essays"
    assert terms["category", "long-reads"].source_id == 4
    assert terms["tag", "islands"].name == "Islands"
    # wp:term: post_tag → tag, category → category (with parent), other taxonomies by name.
    assert terms["tag", "harbours"].source_id == 21
    assert terms["category", "notes"].parent_slug == "essays"
    assert terms["nav_menu", "main-menu"].kind == "nav_menu"
    assert len(terms) == 7


def test_wxr_published_post_keeps_body_quote_slug_terms_and_old_slugs(notebook):
    post = _items(notebook)[101]
    assert post.post_type == "post"
    assert post.status == "publish"
    assert post.title == "Περιμένοντας το πλοίο — waiting for the ferry ⛴️"
    assert post.slug == "waiting_for_the_ferry"
    assert post.author_login == "eleni"
    assert post.guid == "https://notebook.example.net/blog/?p=101"
    # WordPress stores paragraphs as blank lines; the parser must keep them byte for byte.
    assert post.content == (
        "The morning boat was late again.\n\n"
        "<blockquote>Ferry services will resume when the wind drops below force seven.\n\n"
        "Passengers are asked to wait at the quay.</blockquote>\n\n"
        "So we waited, and drank coffee, and watched the sea 🌊."
    )
    assert post.excerpt == "A late boat & a long wait."
    assert post.date_local == datetime(2011, 7, 2, 11, 15)
    assert post.date_gmt == datetime(2011, 7, 2, 8, 15)
    assert post.is_sticky is True
    assert post.comment_status == "open"
    assert post.parent_source_id is None
    assert post.terms == [
        ("category", "long-reads", "Long reads"),
        ("post_tag", "islands", "Islands"),
        ("post_tag", "ferries", "Ferries"),
    ]
    assert post.meta == {
        "_wp_old_slug": ["late-boat", "waiting-for-the-ferry"],
        "_edit_last": ["1"],
    }


def test_wxr_comments_keep_file_order_replies_statuses_and_types(notebook):
    comments = _items(notebook)[101].comments
    assert [c.source_id for c in comments] == [5003, 5001, 5002, 5004, 5005, 5006, 5007, 5008, 5009]
    by_id = {c.source_id: c for c in comments}
    # The reply comes before its parent in the file; the parser reports it as found.
    assert by_id[5003].parent_source_id == 5001
    assert by_id[5001].parent_source_id is None
    assert [by_id[i].approved for i in (5001, 5004, 5005, 5006, 5007)] == [
        "1",
        "0",
        "spam",
        "trash",
        "post-trashed",
    ]
    assert by_id[5001].type == "comment"  # '' in the file
    assert by_id[5002].type == "comment"  # 'comment' in the file
    assert by_id[5008].type == "pingback"
    assert by_id[5009].type == "trackback"
    assert by_id[5009].content == "<strong>Ferries</strong> a trackback excerpt"


def test_wxr_anonymous_comment_and_comment_by_the_author(notebook):
    by_id = {c.source_id: c for c in _items(notebook)[101].comments}
    anonymous = by_id[5001]
    assert anonymous.author_name == ""
    assert anonymous.author_email == ""
    assert anonymous.user_id is None
    assert anonymous.author_ip == "198.51.100.4"
    assert anonymous.content == "Καλημέρα! The wind was terrible that week 😅"
    assert anonymous.date_local == datetime(2011, 7, 2, 12, 0)
    assert anonymous.date_gmt == datetime(2011, 7, 2, 9, 0)
    assert anonymous.meta == {"akismet_result": ["false"]}
    by_author = by_id[5002]
    assert by_author.user_id == 1
    assert by_author.author_name == "Ελένη Π."
    assert by_author.author_url == "https://notebook.example.net"
    assert by_author.content.split("\n\n") == [
        "Thanks both. The boat did come, eventually.",
        "Second paragraph of my reply.",
    ]
    # A comment with most elements missing still parses, with defaults.
    assert by_id[5005].author_email == ""
    assert by_id[5005].author_ip == ""


def test_wxr_draft_with_zero_dates_page_attachment_and_unknown_type(notebook):
    items = _items(notebook)
    draft = items[102]
    assert (draft.status, draft.slug, draft.date_local, draft.date_gmt) == ("draft", "", None, None)
    assert draft.terms == [("category", "notes", "Notes")]
    page = items[103]
    assert (page.post_type, page.menu_order, page.comment_status) == ("page", 2, "closed")
    assert page.excerpt == ""  # no excerpt:encoded element at all
    attachment = items[104]
    assert attachment.post_type == "attachment"
    assert attachment.status == "inherit"
    assert attachment.parent_source_id == 101
    assert attachment.attachment_url.endswith("/2011/07/quay-at-dawn.jpg")
    assert attachment.meta == {"_wp_attached_file": ["2011/07/quay-at-dawn.jpg"]}
    product = items[105]
    assert product.post_type == "product"
    assert product.guid == "https://notebook.example.net/?post_type=product&p=105"
    assert product.terms == [("product_cat", "maps", "Maps")]
    assert product.meta == {"_price": ["12.50"]}


def test_wxr_1_1_namespace():
    records = list(iter_wxr(WXR_11))
    site = records[0]
    assert isinstance(site, WxrSite)
    assert (site.title, site.wxr_version) == ("Lighthouse Log", "1.1")
    (author,) = _of(records, WxrAuthor)
    assert (author.source_id, author.login, author.display_name) == (2, "keeper", "The Keeper")
    (post,) = _of(records, WxrItem)
    assert post.title == "Lamp oil & wicks"
    assert post.date_gmt == datetime(2011, 3, 15, 1, 0)
    assert [(c.source_id, c.author_ip, c.type) for c in post.comments] == [
        (31, "192.0.2.77", "comment")
    ]


def test_wxr_1_0_namespace_and_its_duplicated_item_terms():
    records = list(iter_wxr(WXR_10))
    assert records[0] == WxrSite(
        title="Tide Tables",
        link="http://tides.example.org",
        base_site_url="http://tides.example.org",
        base_blog_url="http://tides.example.org",
        wxr_version="1.0",
        language="en",
    )
    assert _of(records, WxrTerm) == [
        WxrTerm(kind="category", slug="uncategorized", name="Uncategorized"),
        WxrTerm(kind="tag", slug="spring-tide", name="spring tide"),
    ]
    (post,) = _of(records, WxrItem)
    # WXR 1.0 wrote each term twice (bare and with nicename) and tags as domain="tag".
    assert post.terms == [
        ("category", "uncategorized", "Uncategorized"),
        ("post_tag", "spring-tide", "spring tide"),
    ]
    (comment,) = post.comments
    assert comment.user_id is None  # WXR 1.0 had no comment_user_id element
    assert comment.type == "comment"


def test_wxr_version_falls_back_to_the_namespace():
    # Third-party exporters sometimes leave out wp:wxr_version; the namespace still says.
    doc = (
        b'<rss xmlns:wp="http://wordpress.org/export/1.1/"><channel><title>T</title>'
        b"<wp:author><wp:author_login>a</wp:author_login></wp:author>"
        b"<item><wp:post_id>1</wp:post_id></item></channel></rss>"
    )
    site, author, item = list(iter_wxr(io.BytesIO(doc)))
    assert isinstance(site, WxrSite)
    assert site.wxr_version == "1.1"
    assert author == WxrAuthor(source_id=None, login="a")
    assert item == WxrItem(source_id=1, post_type="post")


def test_wxr_empty_channel_still_yields_the_site():
    doc = b'<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>Empty</title></channel></rss>'
    assert list(iter_wxr(io.BytesIO(doc))) == [WxrSite(title="Empty", wxr_version="")]


def test_wxr_inline_xhtml_content_is_kept_not_dropped():
    doc = (
        b'<rss xmlns:wp="http://wordpress.org/export/1.2/" '
        b'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><item>'
        b"<wp:post_id>5</wp:post_id><content:encoded>Hi <em>there</em> you</content:encoded>"
        b"</item></channel></rss>"
    )
    (_, item) = list(iter_wxr(io.BytesIO(doc)))
    assert item.content == "Hi <em>there</em> you"


def test_wxr_accepts_path_str_and_binary_file_objects():
    expected = list(iter_wxr(WXR_11))
    assert list(iter_wxr(str(WXR_11))) == expected
    with WXR_11.open("rb") as handle:
        assert list(iter_wxr(handle)) == expected
        assert not handle.closed  # the caller's file is left open for the caller
    assert list(iter_wxr(io.BytesIO(WXR_11.read_bytes()))) == expected


def test_wxr_text_mode_file_is_a_programming_error():
    with WXR_11.open(encoding="utf-8") as handle, pytest.raises(TypeError, match="binary"):
        list(iter_wxr(handle))  # type: ignore[arg-type]


def test_wxr_blank_lines_before_the_xml_declaration_are_tolerated():
    # A plugin that echoes a newline corrupts every export of its site this way.
    data = b"\n\n  " + WXR_11.read_bytes()
    assert list(iter_wxr(io.BytesIO(data))) == list(iter_wxr(WXR_11))
    # ...and errors still point at the real line of the real file.
    broken = data.replace(b"</wp:post_name>", b"</wp:post_nam>")
    _, error = _collect_until_error(iter_wxr(io.BytesIO(broken)))
    assert error.line == _position(broken, b"</wp:post_nam>")[0]


def test_wxr_other_encodings_declared_by_the_file():
    latin = (
        b'<?xml version="1.0" encoding="windows-1252"?>\n'
        b'<rss xmlns:wp="http://wordpress.org/export/1.0/"><channel><title>Caf\xe9 \x93quoted\x94'
        b"</title></channel></rss>"
    )
    assert next(iter_wxr(io.BytesIO(latin))).title == "Café “quoted”"
    utf16 = WXR_12.read_text(encoding="utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    data = codecs.BOM_UTF16_LE + utf16.encode("utf-16-le")
    assert list(iter_wxr(io.BytesIO(data))) == list(iter_wxr(WXR_12))


# --- WordPress WXR: files that aren't what they claim ----------------------------------------


def test_wxr_refuses_a_disqus_file_and_other_xml():
    with pytest.raises(ArchiveError, match="Disqus export"):
        list(iter_wxr(DISQUS))
    with pytest.raises(ArchiveError, match="starts with <html>"):
        list(iter_wxr(io.BytesIO(b"<html><body/></html>")))


def test_wxr_plain_rss_feed_is_refused_with_an_explanation():
    doc = b"<rss><channel><title>Feed</title><item><title>Hello</title></item></channel></rss>"
    records, error = _collect_until_error(iter_wxr(io.BytesIO(doc)))
    assert records == [WxrSite(title="Feed")]
    assert "no wp:post_id" in str(error)
    assert "'Hello'" in str(error)


def test_wxr_unreadable_numbers_and_dates_name_the_item():
    doc = (
        b'<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><title>X</title>'
        b"<wp:post_id>9</wp:post_id><wp:post_date>last tuesday</wp:post_date></item></channel></rss>"
    )
    with pytest.raises(ArchiveError, match=r"Post 9 \('X'\) has a date that cannot be read"):
        list(iter_wxr(io.BytesIO(doc)))
    doc = doc.replace(b"<wp:post_id>9", b"<wp:post_id>nine")
    with pytest.raises(ArchiveError, match="number that cannot be read: 'nine'"):
        list(iter_wxr(io.BytesIO(doc)))


def test_missing_and_empty_files():
    with pytest.raises(ArchiveError, match="Could not open the file"):
        list(iter_wxr("/nonexistent/export.xml"))
    with pytest.raises(ArchiveError, match="The file is empty"):
        list(iter_wxr(io.BytesIO(b"")))
    with pytest.raises(ArchiveError, match="The file is empty"):
        list(iter_disqus(io.BytesIO(b"")))


# --- Disqus ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def disqus() -> list[object]:
    return list(iter_disqus(DISQUS))


def test_disqus_threads_including_empty_identifier_and_shared_link(disqus):
    threads = _of(disqus, DisqusThread)
    assert [t.source_id for t in threads] == ["1001", "1002", "1003"]
    first, second, third = threads
    assert first == DisqusThread(
        source_id="1001",
        identifier="",
        link="https://notebook.example.net/blog/2011/07/waiting_for_the_ferry/",
        title="Waiting for the ferry",
        created_at=datetime(2012, 1, 1, 12, 0),
        is_closed=False,
        is_deleted=False,
    )
    assert second.link == first.link  # two threads for one page, as Disqus makes
    assert second.identifier == "101 https://notebook.example.net/blog/?p=101"
    assert second.title == "Περιμένοντας το πλοίο"
    assert second.is_closed is True
    assert third.is_deleted is True


def test_disqus_posts_replies_before_parents_deleted_spam_and_anonymous(disqus):
    posts = _of(disqus, DisqusPost)
    assert [p.source_id for p in posts] == ["2003", "2001", "2002", "2004"]
    reply, first, deleted, spam = posts
    assert (reply.thread_id, reply.parent_id) == ("1001", "2001")
    assert reply.author_username == "nikos_k"
    assert reply.is_anonymous is False
    assert first.parent_id is None
    assert first.message == "<p>Καλημέρα! First 🌊</p><p>Second paragraph.</p>"
    # 11:00 at +02:00 is 09:00 UTC; created_at is naive UTC.
    assert first.created_at == datetime(2012, 1, 2, 9, 0)
    assert first.is_anonymous is True
    assert (first.author_name, first.author_email, first.author_username) == (
        "Passing visitor",
        "visitor@mail.example.com",
        "",
    )
    assert first.ip_address == "198.51.100.4"
    assert (deleted.is_deleted, deleted.is_spam, deleted.author_email) == (True, False, "")
    assert (spam.is_deleted, spam.is_spam, spam.thread_id) == (False, True, "1002")


def test_disqus_refuses_wxr_and_reports_posts_without_ids_instead_of_stopping():
    with pytest.raises(ArchiveError, match="WordPress"):
        list(iter_disqus(WXR_12))
    doc = (
        b'<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">'
        b"<post><message>x</message><createdAt>2012-01-02T10:00:00Z</createdAt></post>"
        b'<post dsq:id="7"><message>x</message></post>'
        b'<post dsq:id="8"><message>y</message><thread dsq:id="1"/></post></disqus>'
    )
    first, second, third = list(iter_disqus(io.BytesIO(doc)))
    assert isinstance(first, RefusedRecord) and "no dsq:id" in first.reason
    assert first.label == "comment #1 of the file (no dsq:id) of 2012-01-02T10:00:00Z"
    assert isinstance(second, RefusedRecord) and second.label == "comment 7"
    assert "names no thread" in second.reason
    assert isinstance(third, DisqusPost) and third.source_id == "8"


# --- Hostile input -----------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>&lol9;</title>
<item><wp:post_id>1</wp:post_id><title>&lol9;</title></item></channel></rss>
"""


def _assert_refused(parse, data: bytes, *, line: int) -> ArchiveError:
    """The file is refused at its DOCTYPE, having yielded nothing, quickly and in little memory."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        records, error = _collect_until_error(parse(io.BytesIO(data)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert records == []
    assert str(error).startswith(DTD_REFUSED)
    # The position is where expat noticed the DOCTYPE: its line, and just past its name.
    assert error.line == line
    assert error.column is not None
    # An expanded billion laughs is gigabytes and many seconds; a refusal is neither.
    assert peak < 2_000_000
    assert time.perf_counter() - started < 2
    return error


@pytest.mark.parametrize("parse", [iter_wxr, iter_disqus])
def test_billion_laughs_is_refused_before_expansion(parse):
    _assert_refused(parse, BILLION_LAUGHS, line=2)


def test_internal_entity_is_refused_although_the_standard_parser_would_expand_it():
    doc = (
        b'<!DOCTYPE rss [<!ENTITY who "EXPANDED-ENTITY">]>\n'
        b'<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>&who;</title>'
        b"<item><wp:post_id>1</wp:post_id><title>&who;</title></item></channel></rss>"
    )
    # The test document is meaningful: plain ElementTree does expand it...
    plain = ET.fromstring(doc)  # noqa: S314 - deliberately unsafe, to prove the point
    assert plain.findtext("channel/title") == "EXPANDED-ENTITY"
    # ...and the archive parser refuses it, with no record carrying the expansion.
    error = _assert_refused(iter_wxr, doc, line=1)
    assert "EXPANDED" not in str(error)


@pytest.mark.parametrize("target", ["file:///etc/passwd", "SECRET"])
def test_external_file_entity_is_refused_and_never_read(tmp_path, target):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER", encoding="utf-8")
    url = secret.as_uri() if target == "SECRET" else target
    doc = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY leak SYSTEM "{url}">]>\n'
        '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>&leak;</title>'
        "</channel></rss>\n"
    ).encode()
    error = _assert_refused(iter_wxr, doc, line=2)
    assert "TOP-SECRET-MARKER" not in str(error)
    assert "root:" not in str(error)


@pytest.fixture
def dtd_server() -> Iterator[tuple[str, list[str]]]:
    """A local web server that records every request; the parsers must never call it."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            body = b'<!ENTITY fetched "FETCHED-FROM-SERVER">'
            self.send_response(200)
            self.send_header("Content-Type", "application/xml-dtd")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("parse", [iter_wxr, iter_disqus])
def test_external_dtd_url_is_refused_and_never_fetched(dtd_server, parse):
    base, requests = dtd_server
    root = b"rss" if parse is iter_wxr else b'disqus xmlns="http://disqus.com"'
    for doctype in (
        f'<!DOCTYPE root SYSTEM "{base}/evil.dtd">',
        f'<!DOCTYPE root PUBLIC "-//X//Y//EN" "{base}/public.dtd">',
        f'<!DOCTYPE root [<!ENTITY % remote SYSTEM "{base}/param.dtd"> %remote;]>',
        f'<!DOCTYPE root [<!ENTITY ext SYSTEM "{base}/entity.txt">]>',
    ):
        doc = b'<?xml version="1.0"?>\n\n' + doctype.encode() + b"\n<" + root + b">&fetched;</x>"
        _assert_refused(parse, doc, line=3)
    assert requests == []


def test_doctype_after_the_root_element_is_broken_xml_not_a_loophole():
    doc = b'<rss>\n<!DOCTYPE rss [<!ENTITY a "b">]>\n<channel/></rss>'
    with pytest.raises(ArchiveError) as info:
        list(iter_wxr(io.BytesIO(doc)))
    assert info.value.line == 2
    assert "XML does not allow" in str(info.value)


def test_truncated_file_reports_truncation_after_yielding_what_came_before():
    data = WXR_12.read_bytes()
    cut = data[: data.index(b"Half-written thoughts") + 10]
    records, error = _collect_until_error(iter_wxr(io.BytesIO(cut)))
    # Everything before the cut came out (the caller's transaction decides what to keep)...
    assert [type(r).__name__ for r in records].count("WxrTerm") == 7
    assert len(_items(records)[101].comments) == 9
    assert 102 not in _items(records)
    # ...and then the error, in words, at the end of what there is.
    assert "truncated" in error.message or "never closed" in error.message
    assert error.line == cut.count(b"\n") + 1
    assert f"(line {error.line}, column {error.column})" in str(error)


def test_truncated_mid_tag_and_mid_document():
    data = WXR_11.read_bytes()
    for cut in (data[:-8], data[: data.index(b"<wp:comment_id>") + 5]):
        _, error = _collect_until_error(iter_wxr(io.BytesIO(cut)))
        assert "truncated" in error.message
        assert error.line == cut.count(b"\n") + 1


def test_invalid_utf8_names_the_encoding_and_the_exact_place():
    data = WXR_12.read_bytes().replace(b"The wind was terrible", b"The wind was \xff terrible")
    records, error = _collect_until_error(iter_wxr(io.BytesIO(data)))
    assert "not valid UTF-8" in error.message
    assert "0xFF" in error.message
    assert (error.line, error.column) == _position(data, b"\xff")
    assert len(_of(records, WxrTerm)) == 7  # what came before was still yielded


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 7, 64])
def test_invalid_utf8_position_is_right_across_chunk_boundaries(chunk_size):
    data = "<r>\n<a>Ελένη 😅</a>\n<b>κα".encode() + b"\xe2\x28" + "λά</b></r>".encode()
    with pytest.raises(ArchiveError, match="UTF-8") as info:
        for _ in iter_event_batches(io.BytesIO(data), chunk_size=chunk_size):
            pass
    assert (info.value.line, info.value.column) == (3, 6)


def test_broken_cdata_section():
    data = WXR_11.read_bytes().replace(b"Keep it burning.]]>", b"Keep it burning.]>")
    records, error = _collect_until_error(iter_wxr(io.BytesIO(data)))
    assert "CDATA" in error.message
    assert "never closed" in error.message
    assert error.line == data.count(b"\n") + 1  # expat only notices at the end of the file
    assert [type(r).__name__ for r in records] == ["WxrSite", "WxrAuthor", "WxrTerm"]


@pytest.mark.parametrize(
    ("old", "new", "needle", "words"),
    [
        # expat points at the name in the wrong closing tag, just past its "</"
        (b"[about]]></wp:post_name>", b"[about]]></wp:post_nam>", b"wp:post_nam>", "closing tag"),
        (b"Written on the quay", b"Written \x0b on the quay", b"\x0b", "control character"),
        (b"[About this notebook]]>", b"[About]]>&nbsp;", b"&nbsp;", "&nbsp;"),
    ],
)
def test_damaged_markup_points_at_the_line_and_column(old, new, needle, words):
    data = WXR_12.read_bytes().replace(old, new)
    records, error = _collect_until_error(iter_wxr(io.BytesIO(data)))
    assert words in error.message
    assert (error.line, error.column) == _position(data, needle)
    assert 101 in _items(records)  # the items before the damage were yielded


def test_two_exports_joined_into_one_file():
    data = WXR_11.read_bytes() + WXR_11.read_bytes()
    records, error = _collect_until_error(iter_wxr(io.BytesIO(data)))
    assert "joined" in error.message
    assert len(_of(records, WxrItem)) == 1


# --- Memory and streaming ----------------------------------------------------------------------


def _write_big_wxr(path: Path, items: int) -> None:
    body = "A paragraph of ordinary prose about harbours and boats, repeated.\n\n" * 12
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel><title>Big</title>\n'
        )
        for n in range(1, items + 1):
            out.write(
                f"<item><title>Post {n}</title><dc:creator>ed</dc:creator>"
                f"<content:encoded><![CDATA[{body}]]></content:encoded>"
                f"<wp:post_id>{n}</wp:post_id><wp:post_date>2010-01-01 10:00:00</wp:post_date>"
                f"<wp:post_name>post-{n}</wp:post_name><wp:status>publish</wp:status>"
                f"<wp:post_type>post</wp:post_type>"
                '<category domain="category" nicename="news"><![CDATA[News]]></category>'
            )
            for c in range(2):
                out.write(
                    f"<wp:comment><wp:comment_id>{n * 10 + c}</wp:comment_id>"
                    f"<wp:comment_author>Reader {c}</wp:comment_author>"
                    "<wp:comment_content><![CDATA[A fair point, well made.]]></wp:comment_content>"
                    f"<wp:comment_parent>{n * 10 if c else 0}</wp:comment_parent>"
                    "</wp:comment>"
                )
            out.write("</item>\n")
        out.write("</channel></rss>\n")


def test_streaming_20000_items_keeps_memory_bounded(tmp_path):
    path = tmp_path / "big.xml"
    _write_big_wxr(path, 20_000)
    size = path.stat().st_size
    assert size > 20_000_000
    tracemalloc.start()
    try:
        count = comments = 0
        for record in iter_wxr(path):
            if isinstance(record, WxrItem):
                count += 1
                comments += len(record.comments)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (count, comments) == (20_000, 40_000)
    # An ElementTree of this file would take several times its 20+ MB; streaming with each
    # item dropped once parsed stays at a few chunks' and one item's worth.
    assert peak < 5_000_000, f"peak traced memory {peak / 1e6:.1f} MB"


def test_abandoning_the_iterator_closes_the_file(tmp_path):
    path = tmp_path / "x.xml"
    path.write_bytes(WXR_12.read_bytes())
    records = iter_wxr(path)
    assert isinstance(next(records), WxrSite)
    records.close()  # e.g. the importer stops early; the file it opened must not leak
    with pytest.raises(StopIteration):
        next(records)


@pytest.mark.parametrize("parse", [iter_wxr, iter_disqus])
def test_absurdly_deep_nesting_is_refused(parse):
    root = b"rss" if parse is iter_wxr else b"disqus"
    doc = b"<" + root + b"><channel><item>" + b"<b>" * 50_000 + b"x" + b"</b>" * 50_000
    doc += b"</item></channel></" + root + b">"
    with pytest.raises(ArchiveError, match="levels deep"):
        list(parse(io.BytesIO(doc)))


def test_records_completed_by_the_last_bytes_come_out_before_the_error():
    data = WXR_11.read_bytes()
    cut = data[: data.index(b"</item>") + len(b"</item>")]
    records, error = _collect_until_error(iter_wxr(io.BytesIO(cut)))
    assert [type(r).__name__ for r in records][-1] == "WxrItem"
    assert "truncated" in error.message


@pytest.mark.parametrize("chunk_size", [1, 3, 8, 13])
def test_doctype_split_across_reads_is_still_refused(chunk_size):
    with pytest.raises(ArchiveError, match="DOCTYPE") as info:
        for _ in iter_event_batches(io.BytesIO(BILLION_LAUGHS), chunk_size=chunk_size):
            pass
    assert info.value.line == 2
