"""Markdown rendering: credited quotations and the allowlist."""

from __future__ import annotations

import pytest

from byline.core.rendering import COMMENT, POST, render_markdown, safe_url


def test_a_quote_followed_by_a_credit_becomes_a_figure():
    html = render_markdown("> Well begun is half done.\n\n— Aristotle, *Politics*")
    assert html.startswith('<figure class="quotation">')
    assert "<blockquote>\n<p>Well begun is half done.</p>\n</blockquote>" in html
    assert "<figcaption>Aristotle, <em>Politics</em></figcaption>" in html


def test_the_credits_first_link_becomes_the_cite():
    html = render_markdown(
        "> Half of the problem.\n\n— Walter Pike, [The Ledger](https://example.org/story)", POST
    )
    assert '<blockquote cite="https://example.org/story">' in html
    assert '<a href="https://example.org/story" rel="noopener">The Ledger</a>' in html


@pytest.mark.parametrize("dash", ["— ", "―", "-- ", "-"])
def test_credit_dashes(dash):
    html = render_markdown(f"> quoted\n\n{dash}Somebody")
    assert "<figcaption>Somebody</figcaption>" in html


def test_a_credit_inside_the_quote_as_its_last_paragraph():
    html = render_markdown("> quoted words\n>\n> — Someone Famous")
    assert "<figcaption>Someone Famous</figcaption>" in html
    assert "<p>quoted words</p>" in html


def test_several_credited_quotes_in_one_comment():
    text = "> one\n\n— A\n\n> two\n\n— B\n\n> three\n\n-C"
    html = render_markdown(text)
    assert html.count("<figure") == 3
    assert [part.split("</figcaption>")[0] for part in html.split("<figcaption>")[1:]] == [
        "A",
        "B",
        "C",
    ]


def test_a_plain_quote_and_ordinary_paragraphs_are_left_alone():
    html = render_markdown("> just a quote\n\nMy own reply - with a dash inside.")
    assert "<figure" not in html
    assert "<p>My own reply - with a dash inside.</p>" in html


def test_a_list_after_a_quote_is_not_a_credit():
    assert "<figure" not in render_markdown("> quote\n\n- one\n- two")


def test_a_lone_dash_is_not_a_credit():
    assert "<figure" not in render_markdown("> quote\n\n—")


def test_nested_quotes_keep_their_structure():
    html = render_markdown("> outer\n>\n> > inner\n>\n> — Inner Author\n\n— Outer Author")
    # The inner quote is credited inside the outer one; the outer quote after it.
    assert html.count("<figure") == 2
    inner = html.index("<figcaption>Inner Author</figcaption>")
    outer = html.index("<figcaption>Outer Author</figcaption>")
    assert inner < html.rindex("</blockquote>") < outer


def test_comments_get_ugc_links_and_no_images_or_headings():
    html = render_markdown("# Big\n\n![x](https://example.org/x.png) https://example.org", COMMENT)
    assert "<h1" not in html and "<img" not in html
    assert 'rel="nofollow ugc noopener"' in html


def test_posts_keep_images_headings_and_tables():
    html = render_markdown(
        "## Sub\n\n![alt](https://example.org/x.png)\n\n|a|b|\n|-|-|\n|1|2|", POST
    )
    assert "<h2>Sub</h2>" in html
    assert '<img src="https://example.org/x.png" alt="alt">' in html
    assert "<table>" in html


@pytest.mark.parametrize(
    "url,ok",
    [
        ("https://example.org", True),
        ("http://example.org/path?q=1", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("data:text/html,hi", False),
        ("//example.org", False),
        ("example.org", False),
    ],
)
def test_safe_url(url, ok):
    assert bool(safe_url(url)) is ok


def test_comment_text_in_angle_brackets_is_kept_as_text():
    html = render_markdown("if x <y> z and a <b>bold</b> claim", COMMENT)
    assert "x &lt;y&gt; z" in html and "&lt;b&gt;bold&lt;/b&gt;" in html


def test_posts_may_use_raw_html():
    html = render_markdown('<aside>note</aside>\n\n<span onclick="x()">hi</span>', POST)
    assert "<aside>note</aside>" in html and "<span>hi</span>" in html
