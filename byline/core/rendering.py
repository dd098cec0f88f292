"""Markdown to safe HTML, done once when a post or comment is written.

Pages serve the stored HTML, so this is the only place untrusted text becomes markup. Two steps:
markdown-it-py renders CommonMark, then nh3 keeps only an allowlist of tags, attributes and URL
schemes. Anything the allowlist does not know is dropped, whatever tricks the markup uses.
Posts may contain raw HTML (authors paste embeds and tables); in comments raw HTML is shown as
the text the reader typed, so "a <b> tag" or "x <y> z" is never silently swallowed.

A credited quotation is a block quote followed by (or ending with) a paragraph that starts with a
dash, the way people credit quotes in plain text::

    > If you forgo aspirations for nuclear weapons…

    — William Cohen, [Associated Press](https://example.org/story)

It becomes ``<figure class="quotation"><blockquote cite="…">…</blockquote>
<figcaption>…</figcaption></figure>``; the first link in the credit supplies ``cite``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_SCHEMES = {"http", "https", "mailto"}

_COMMENT_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "del", "em", "figcaption", "figure",
    "i", "li", "ol", "p", "pre", "q", "s", "strong", "sub", "sup", "ul",
}  # fmt: skip
_POST_TAGS = _COMMENT_TAGS | {
    "h2", "h3", "h4", "h5", "h6", "hr", "img", "table", "thead", "tbody", "tr", "th", "td",
    "caption", "dl", "dt", "dd", "mark", "small", "span", "div", "aside",
}  # fmt: skip
_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "figure": {"class"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "code": {"class"},
}

# A credit line starts with an em dash, a horizontal bar, two hyphens, or one hyphen glued to
# the name ("-John Stuart Mill"); "- John" would already be a Markdown list item.
_CREDIT = re.compile(r"^\s*(?:[\u2014\u2015]|--|-(?=\S))\s*")


@dataclass(frozen=True)
class Profile:
    """What a kind of text may contain once rendered."""

    tags: frozenset[str]
    link_rel: str | None
    raw_html: bool


COMMENT = Profile(frozenset(_COMMENT_TAGS), "nofollow ugc noopener", raw_html=False)
POST = Profile(frozenset(_POST_TAGS), "noopener", raw_html=True)


def _markdown(raw_html: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": raw_html, "linkify": True, "typographer": False})
    md.enable(["linkify", "strikethrough", "table"])
    md.core.ruler.push("credited_quotations", _credited_quotations)
    return md


def _strip_credit_dash(inline: Token) -> None:
    inline.content = _CREDIT.sub("", inline.content, count=1)
    for child in inline.children or []:
        if child.type == "text":
            child.content = _CREDIT.sub("", child.content, count=1)
            break


def _first_link(inline: Token) -> str | None:
    for child in inline.children or []:
        if child.type == "link_open":
            href = child.attrGet("href")
            return str(href) if href else None
    return None


def _is_credit(tokens: list[Token], i: int) -> bool:
    """Is tokens[i:i+3] a paragraph whose text starts with a credit dash?"""
    return (
        i + 2 < len(tokens)
        and tokens[i].type == "paragraph_open"
        and tokens[i + 1].type == "inline"
        and tokens[i + 2].type == "paragraph_close"
        and bool(_CREDIT.match(tokens[i + 1].content))
        and bool(_CREDIT.sub("", tokens[i + 1].content, count=1).strip())
    )


def _credited_quotations(state: object) -> None:
    """Core rule: wrap a block quote and its credit paragraph in figure/figcaption tokens."""
    tokens: list[Token] = state.tokens  # type: ignore[attr-defined]
    out: list[Token] = []
    opens: list[int] = []  # positions in `out` of open blockquotes
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "blockquote_open":
            opens.append(len(out))
            out.append(tok)
            i += 1
            continue
        if tok.type == "blockquote_close" and opens:
            start = opens.pop()
            credit: list[Token] | None = None
            # Credit inside the quote as its last paragraph (but not when it is the only one).
            if (
                len(out) - start >= 7
                and _is_credit(out, len(out) - 3)
                and out[len(out) - 4].type == "paragraph_close"
            ):
                credit = out[-3:]
                del out[-3:]
            out.append(tok)
            i += 1
            if credit is None and _is_credit(tokens, i) and tok.level == tokens[i].level:
                credit = tokens[i : i + 3]
                i += 3
            if credit is not None:
                inline = credit[1]
                _strip_credit_dash(inline)
                cite = _first_link(inline)
                if cite:
                    out[start].attrSet("cite", cite)
                figure_open = Token("figure_open", "figure", 1, block=True)
                figure_open.attrSet("class", "quotation")
                out.insert(start, figure_open)
                out.append(Token("figcaption_open", "figcaption", 1, block=True))
                out.append(inline)
                out.append(Token("figcaption_close", "figcaption", -1, block=True))
                out.append(Token("figure_close", "figure", -1, block=True))
            continue
        out.append(tok)
        i += 1
    state.tokens = out  # type: ignore[attr-defined]


_MARKDOWN = {True: _markdown(raw_html=True), False: _markdown(raw_html=False)}


def _filter_attribute(element: str, attribute: str, value: str) -> str | None:
    # ammonia checks the schemes of href and src but treats ``cite`` as plain text.
    if attribute == "cite":
        return safe_url(value) or None
    return value


def sanitize(html: str, profile: Profile = COMMENT) -> str:
    """Keep only allowlisted markup; links keep only http, https and mailto targets."""
    return nh3.clean(
        html,
        tags=set(profile.tags),
        attributes={k: v for k, v in _ATTRIBUTES.items() if k in profile.tags},
        attribute_filter=_filter_attribute,
        url_schemes=ALLOWED_SCHEMES,
        link_rel=profile.link_rel,
        strip_comments=True,
    )


def render_markdown(text: str, profile: Profile = COMMENT) -> str:
    """Render Markdown (with credited quotations) to sanitised HTML."""
    return sanitize(_MARKDOWN[profile.raw_html].render(text), profile)


def safe_url(url: str) -> str:
    """Return ``url`` if it is an absolute http(s) URL, else an empty string.

    Used for commenter websites: the scheme is checked after stripping whitespace and control
    characters, which browsers ignore (``java\\tscript:`` is still ``javascript:``).
    """
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", url)
    return url.strip() if re.match(r"(?i)^https?://[^/\s]", cleaned) else ""


def render_body(
    text: str, body_format: str, profile: Profile, *, post_id: int | None = None
) -> str:
    """Render a stored body by its format: Markdown (written here), WordPress (imported
    classic/block content with blank-line paragraphs and shortcodes) or plain HTML.
    ``post_id`` names the post a WordPress body belongs to, whose attached images a
    ``[gallery]`` shows."""
    if body_format == "markdown":
        return render_markdown(text, profile)
    if body_format == "wordpress":
        # Imported lazily: only sites that imported from WordPress pay for the converter.
        from byline.migration.wpcontent import wordpress_comment_to_html, wordpress_to_html

        if profile is COMMENT:
            return wordpress_comment_to_html(text)
        gallery = None
        if "[gallery" in text:
            from byline.migration.media import gallery_resolver

            gallery = gallery_resolver(post_id)
        return wordpress_to_html(text, profile=profile, gallery=gallery)
    if body_format == "html":
        return sanitize(text, profile)
    raise ValueError(f"Unknown body format {body_format!r}")
