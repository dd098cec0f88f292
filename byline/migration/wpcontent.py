"""WordPress post and comment bodies to Byline's stored HTML.

WordPress keeps bodies as "HTML-ish" text and formats them only when a page is displayed: block
comments are read, shortcodes are expanded and ``wpautop()`` turns blank-line-separated text into
paragraphs. An export (WXR) therefore holds the unformatted text, and an importer has to redo that
display step once, then hand the result to the same sanitiser as everything else Byline stores.

``wpautop`` below re-implements WordPress's own algorithm (wp-includes/formatting.php, the
WordPress 6.x revision of ``wpautop()``, ``wp_replace_in_html_tags()`` and
``get_html_split_regex()``, cross-read against the 5.x source in wordpress-develop), step by
step and with the same regular expressions, so that imported posts break into the paragraphs their
readers saw; three of those expressions are replaced by scanners that find the same matches in
linear time. Shortcode matching follows ``get_shortcode_regex()`` and ``shortcode_parse_atts()``
(wp-includes/shortcodes.php) and captions ``img_caption_shortcode()`` (wp-includes/media.php).
It is a Python re-implementation of the algorithms, not a copy of the PHP; Byline is AGPL-3.0,
which may carry GPL-derived work.

Everything here treats the text as untrusted: the converters may emit whatever markup the author
wrote, and :func:`byline.core.rendering.sanitize` is what makes it safe.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Callable
from dataclasses import dataclass

import nh3

from byline.core.rendering import COMMENT, POST, Profile, safe_url, sanitize

__all__ = [
    "GalleryImage",
    "GalleryResolver",
    "convert_shortcodes",
    "html_to_text",
    "strip_block_comments",
    "wordpress_comment_to_html",
    "wordpress_to_html",
    "wpautop",
]


def html_to_text(value: str) -> str:
    """A WordPress title or term name (HTML: ``Media &amp; Text``, ``Title <em>With</em>``)
    as the plain text a reader saw: tags dropped, entities decoded exactly once.

    The HTML parser reads the markup and re-escapes only the text (``&``, ``<``, ``>``), which
    ``html.unescape`` then decodes, so ``&amp;amp;`` in the source stays a visible ``&amp;``
    exactly as WordPress showed it.
    """
    if "<" not in value and "&" not in value:
        return value
    return html.unescape(nh3.clean(value, tags=set(), strip_comments=True))


@dataclass(frozen=True)
class GalleryImage:
    """One image of a ``[gallery]``: ``key`` is its WordPress attachment id."""

    key: str
    src: str
    alt: str = ""
    caption: str = ""


# Given a gallery's attachment ids in order (or None: "the images attached to this post"),
# the images to show. See ``byline.migration.media``.
GalleryResolver = Callable[[list[str] | None], list[GalleryImage]]

# --------------------------------------------------------------------------------------------
# wpautop
# --------------------------------------------------------------------------------------------
#
# PHP runs these patterns without the /u flag, so ``\s`` and ``\w`` are ASCII-only: a line that
# holds only a no-break space is *not* blank to WordPress. re.ASCII gives Python the same rule.

_A = re.ASCII

# Block-level elements, as WordPress lists them. 6.x dropped ``math`` from this list and instead
# preserves newlines inside <math> the way it does inside <svg> (see _protect_raw_text_newlines).
_ALLBLOCKS = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form"
    r"|map|area|blockquote|address|style|p|h[1-6]|hr|fieldset|legend|section|article|aside"
    r"|hgroup|header|footer|nav|figure|figcaption|details|menu|summary)"
)

_TWO_BRS = re.compile(r"<br\s*/?>\s*<br\s*/?>", _A)
_BLOCK_OPEN = re.compile(r"(<" + _ALLBLOCKS + r"[\s/>])", _A)
_BLOCK_CLOSE = re.compile(r"(</" + _ALLBLOCKS + r">)", _A)
_HR = re.compile(r"(<hr\s*?/?>)", _A)

# get_html_split_regex(): an element is a comment, a CDATA section or an ordinary tag, each of
# which may run unterminated to the end of the input. PHP spells the choice as a conditional on a
# look-ahead; Python's re only has conditionals on groups, so the same choice is an alternation
# whose first two branches are guarded by the same look-aheads.
_HTML_SPLIT = re.compile(
    r"(<(?:"
    r"(?=!--)!(?:-(?!->)[^\-]*+)*+(?:-->)?"  # comment: up to "-->", or to the end
    r"|(?=!\[CDATA\[)!\[CDATA\[[^\]]*+(?:\](?!\]>)[^\]]*+)*+(?:\]\]>)?"  # CDATA
    r"|[^>]*>?"  # any other element
    r"))",
    _A,
)

_OPTION_BEFORE = re.compile(r"\s*<option", _A)
_OPTION_AFTER = re.compile(r"</option>\s*", _A)
_OBJECT_OPEN = re.compile(r"(<object[^>]*>)\s*", _A)
_OBJECT_CLOSE = re.compile(r"\s*</object>", _A)
_PARAM_EMBED = re.compile(r"\s*(</?(?:param|embed)[^>]*>)\s*", _A)
_MEDIA_OPEN = re.compile(r"([<\[](?:audio|video)[^>\]]*[>\]])\s*", _A)
_MEDIA_CLOSE = re.compile(r"\s*([<\[]/(?:audio|video)[>\]])", _A)
_SOURCE_TRACK = re.compile(r"\s*(<(?:source|track)[^>]*>)\s*", _A)
_FIGCAPTION_OPEN = re.compile(r"\s*(<figcaption[^>]*>)", _A)
_FIGCAPTION_CLOSE = re.compile(r"</figcaption>\s*", _A)
_MANY_NEWLINES = re.compile(r"\n\n+")
_PARAGRAPH_SPLIT = re.compile(r"\n\s*\n", _A)
_EMPTY_P = re.compile(r"<p>\s*</p>", _A)
_UNCLOSED_P_IN_DIV = re.compile(r"<p>([^<]+)</(div|address|form)>", _A)
_P_AROUND_BLOCK_TAG = re.compile(r"<p>\s*(</?" + _ALLBLOCKS + r"[^>]*>)\s*</p>", _A)
_P_BEFORE_BLOCKQUOTE = re.compile(r"<p><blockquote([^>]*)>", _A | re.IGNORECASE)
_P_BEFORE_BLOCK_TAG = re.compile(r"<p>\s*(</?" + _ALLBLOCKS + r"[^>]*>)", _A)
_RAW_TEXT_OPEN = re.compile(r"<(script|style|svg|math)")
_NEWLINE_TO_BR = re.compile(r"(?<!<br />)\s*\n", _A)
_BLOCK_TAG_START = re.compile(r"</?" + _ALLBLOCKS, _A)
_ASCII_SPACE = " \t\n\r\f\v"
_BR_BEFORE_BLOCK_TAG = re.compile(r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)", _A)
_FINAL_NEWLINE_IN_P = re.compile(r"\n</p>$")

# WordPress's placeholders, kept verbatim: they are part of the algorithm's observable
# behaviour (e.g. a literal "<!-- wpnl -->" in the input is turned into a newline as well).
_NEWLINE_PLACEHOLDER = " <!-- wpnl --> "
_PRESERVED_NEWLINE = "<WPPreserveNewline />"

# PHP's trim() default character list; str.strip() would also remove Unicode spaces.
_PHP_TRIM = " \t\n\r\0\x0b"

# Three of WordPress's patterns, "<p>(<li.+?)</p>", "(</?ALLBLOCKS[^>]*>)\s*SUFFIX" and
# "<(script|style|svg|math).*?</\1>"/s, rescan to the end of the text from every candidate that
# has no closing tag or ">", so a crafted body of a hundred kilobytes takes minutes (PHP gives
# up at its backtracking limit and WordPress prints an empty post). The functions below find
# exactly the same matches in linear time by remembering where the next closing tag is.


def _unwrap_list_items(text: str) -> str:
    r"""re.sub(r"<p>(<li.+?)</p>", r"\1", text), in linear time."""
    start = text.find("<p><li")
    if start == -1:
        return text
    out: list[str] = []
    pos = 0
    close = newline = -2  # next "</p>" / "\n" at or after the last place they were looked for
    while start != -1:
        # ".+?" needs one character after "<li" and may not cross a newline.
        if close < start + 7:
            close = text.find("</p>", start + 7)
            if close == -1:
                break
        if newline < start + 6:
            newline = text.find("\n", start + 6)
            if newline == -1:
                newline = len(text)
        if newline < close:
            start = text.find("<p><li", start + 1)
            continue
        out.append(text[pos:start])
        out.append(text[start + 3 : close])
        pos = close + 4
        start = text.find("<p><li", pos)
    out.append(text[pos:])
    return "".join(out)


def _drop_after_block_tags(text: str, suffix: str) -> str:
    r"""re.sub(r"(</?ALLBLOCKS[^>]*>)\s*" + suffix, r"\1", text), in linear time.

    Any block name may be followed by anything up to the next ">", so a candidate's tag always
    ends at the first ">" after its "<"; what follows must be spaces and then ``suffix``.
    """
    out: list[str] = []
    pos = 0
    gt = after = -2  # the next ">" and the end of the spaces after it, found once per ">"
    for m in _BLOCK_TAG_START.finditer(text):
        start = m.start()
        if start < pos:
            continue
        if gt < start:
            gt = text.find(">", start + 1)
            if gt == -1:
                break
            after = gt + 1
            while after < len(text) and text[after] in _ASCII_SPACE:
                after += 1
        if text.startswith(suffix, after):
            out.append(text[pos : gt + 1])
            pos = after + len(suffix)
    out.append(text[pos:])
    return "".join(out)


def _protect_raw_text_newlines(text: str) -> str:
    """Hide the newlines of each <script|style|svg|math …>…</same> from the <br /> step.

    Same matches as WordPress's lazy DOTALL pattern, found in linear time.
    """
    out: list[str] = []
    pos = 0
    unclosed: set[str] = set()  # names with no closing tag after the current position
    for m in _RAW_TEXT_OPEN.finditer(text):
        name = m.group(1)
        if m.start() < pos or name in unclosed:
            continue
        close = text.find(f"</{name}>", m.end())
        if close == -1:
            unclosed.add(name)
            continue
        end = close + len(name) + 3
        out.append(text[pos : m.start()])
        out.append(text[m.start() : end].replace("\n", _PRESERVED_NEWLINE))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _replace_newlines_in_tags(text: str) -> str:
    """wp_replace_in_html_tags(text, {"\\n": placeholder}): newlines inside tags and comments
    must not become paragraph breaks, so they are hidden until the end."""
    parts = _HTML_SPLIT.split(text)
    # split() with one capturing group alternates text, element, text, ... like PHP's
    # PREG_SPLIT_DELIM_CAPTURE, so the elements are the odd entries.
    changed = False
    for i in range(1, len(parts), 2):
        if "\n" in parts[i]:
            parts[i] = parts[i].replace("\n", _NEWLINE_PLACEHOLDER)
            changed = True
    return "".join(parts) if changed else text


def _hide_pre_elements(text: str) -> tuple[str, dict[str, str]]:
    """Swap each <pre>…</pre> for an empty placeholder <pre> so autop cannot touch its contents.

    Same rules as WordPress: cut at every literal ``</pre>`` and take each piece from its first
    ``<pre``; a piece with no ``<pre`` (a stray closing tag) is kept as it is.
    """
    pieces = text.split("</pre>")
    last = pieces.pop()
    out: list[str] = []
    saved: dict[str, str] = {}
    for piece in pieces:
        start = piece.find("<pre")
        if start == -1:
            out.append(piece)
            continue
        name = f"<pre wp-pre-tag-{len(saved)}></pre>"
        saved[name] = piece[start:] + "</pre>"
        out.append(piece[:start] + name)
    out.append(last)
    return "".join(out), saved


def wpautop(text: str, br: bool = True) -> str:
    """Format WordPress text the way ``wpautop()`` does when WordPress displays it.

    Text separated by blank lines becomes ``<p>`` paragraphs and, when ``br`` is true, the
    remaining single newlines become ``<br />``. Block-level elements are never wrapped in
    ``<p>``, text inside a ``<blockquote>`` is, and ``<pre>`` contents and newlines inside tags,
    ``<script>``, ``<style>``, ``<svg>`` and ``<math>`` are left alone. ``"a\\n\\nb"`` gives
    ``"<p>a</p>\\n<p>b</p>\\n"``, exactly as WordPress does, trailing newline included.
    """
    if text.strip(_PHP_TRIM) == "":
        return ""

    # WordPress pads the end so that the last paragraph ends in a newline like the others.
    text = text + "\n"

    pre_tags: dict[str, str] = {}
    if "<pre" in text:
        text, pre_tags = _hide_pre_elements(text)

    # Two <br>s in a row mean the author wanted a paragraph break.
    text = _TWO_BRS.sub("\n\n", text)

    # Surround block-level tags with blank lines so they end up in paragraphs of their own,
    # which are unwrapped again below.
    text = _BLOCK_OPEN.sub("\n\n\\1", text)
    text = _BLOCK_CLOSE.sub("\\1\n\n", text)
    text = _HR.sub("\\1\n\n", text)

    # WordPress normalises line endings only here, after the steps above; the order matters
    # little but is kept so that results match byte for byte.
    text = text.replace("\r\n", "\n").replace("\r", "\n")

    text = _replace_newlines_in_tags(text)

    # Form options, <object> parameters and media sources are laid out on lines of their own by
    # authors; those line breaks are not meant as <br>s.
    if "<option" in text:
        text = _OPTION_BEFORE.sub("<option", text)
        text = _OPTION_AFTER.sub("</option>", text)
    if "</object>" in text:
        text = _OBJECT_OPEN.sub("\\1", text)
        text = _OBJECT_CLOSE.sub("</object>", text)
        text = _PARAM_EMBED.sub("\\1", text)
    if "<source" in text or "<track" in text:
        text = _MEDIA_OPEN.sub("\\1", text)
        text = _MEDIA_CLOSE.sub("\\1", text)
        text = _SOURCE_TRACK.sub("\\1", text)
    # A <figcaption> belongs to the image before it, not to a paragraph of its own.
    if "<figcaption" in text:
        text = _FIGCAPTION_OPEN.sub("\\1", text)
        text = _FIGCAPTION_CLOSE.sub("</figcaption>", text)

    text = _MANY_NEWLINES.sub("\n\n", text)

    # Wrap every blank-line-separated chunk in <p>, then repair the chunks that were tags.
    chunks = [chunk for chunk in _PARAGRAPH_SPLIT.split(text) if chunk]
    text = "".join(f"<p>{chunk.strip(chr(10))}</p>\n" for chunk in chunks)

    text = _EMPTY_P.sub("", text)
    text = _UNCLOSED_P_IN_DIV.sub("<p>\\1</p></\\2>", text)
    text = _P_AROUND_BLOCK_TAG.sub("\\1", text)
    text = _unwrap_list_items(text)
    # A paragraph that starts with a blockquote moves inside it: text in a quote is paragraphed.
    text = _P_BEFORE_BLOCKQUOTE.sub("<blockquote\\1><p>", text)
    text = text.replace("</blockquote></p>", "</p></blockquote>")
    text = _P_BEFORE_BLOCK_TAG.sub("\\1", text)
    text = _drop_after_block_tags(text, "</p>")

    if br:
        # Newlines inside script-like elements are code, not line breaks.
        text = _protect_raw_text_newlines(text)
        text = text.replace("<br>", "<br />").replace("<br/>", "<br />")
        text = _NEWLINE_TO_BR.sub("<br />\n", text)
        text = text.replace(_PRESERVED_NEWLINE, "\n")

    # No <br /> right after a block tag, nor right before one that ends a line of layout.
    text = _drop_after_block_tags(text, "<br />")
    text = _BR_BEFORE_BLOCK_TAG.sub("\\1", text)
    text = _FINAL_NEWLINE_IN_P.sub("</p>", text)

    # str.replace per placeholder, in insertion order, is what PHP's array str_replace() does.
    for name, original in pre_tags.items():
        text = text.replace(name, original)

    if "<!-- wpnl -->" in text:
        text = text.replace(_NEWLINE_PLACEHOLDER, "\n").replace("<!-- wpnl -->", "\n")

    return text


# --------------------------------------------------------------------------------------------
# Gutenberg block comments
# --------------------------------------------------------------------------------------------

# The block delimiter grammar of WordPress's block parser: "<!-- wp:name {json} -->",
# "<!-- /wp:name -->" and the void "<!-- wp:name /-->", with an optional "namespace/" before the
# name. Gutenberg escapes "--" inside the JSON, so the first "} -->" after "{" ends it. As a
# single regex ("{.*?}" across lines) this rescans the rest of the text from every "{" that is
# never closed; strip_block_comments() scans once instead.
_BLOCK_OPENER = re.compile(r"<!--\s+/?wp:[a-z][a-z0-9_-]*(?:/[a-z][a-z0-9_-]*)?\s+")
# The line break the editor puts after each delimiter goes with it, so that blocks stay
# separated by one blank line rather than three.
_EOL = r"(?:[ \t]*\r?\n)?"
_BLOCK_CLOSER = re.compile(r"/?-->" + _EOL)
_BLOCK_ATTRS_CLOSER = re.compile(r"\}\s+/?-->" + _EOL)

# The Shortcode block: WordPress renders it by running wpautop() over its text, even in block
# content where autop is otherwise skipped. It never has JSON attributes.
_SHORTCODE_BLOCK_OPEN = re.compile(r"<!--\s+wp:(?:core/)?shortcode\s+-->")
_SHORTCODE_BLOCK_CLOSE = re.compile(r"<!--\s+/wp:(?:core/)?shortcode\s+-->")

# has_blocks() in WordPress: any "<!-- wp:" makes the body block content.
_BLOCK_MARKER = "<!-- wp:"


def strip_block_comments(text: str) -> str:
    """Remove Gutenberg's ``<!-- wp:… -->`` and ``<!-- /wp:… -->`` delimiters, keep inner HTML.

    A block's HTML is already complete without its delimiters; the JSON attributes in them only
    matter to the editor. Dynamic (void) blocks such as ``<!-- wp:latest-posts /-->`` have no
    HTML of their own and so leave nothing behind. Other HTML comments are untouched.
    """
    if "wp:" not in text:
        return text
    out: list[str] = []
    pos = 0
    attrs_can_close = True  # False once no "} -->" is left anywhere after the current position
    search = 0
    while m := _BLOCK_OPENER.search(text, search):
        after = m.end()
        end: re.Match[str] | None = None
        if text.startswith("{", after):
            if attrs_can_close:
                end = _BLOCK_ATTRS_CLOSER.search(text, after + 1)
                attrs_can_close = end is not None
        else:
            end = _BLOCK_CLOSER.match(text, after)
        if end is None:
            search = after
            continue
        out.append(text[pos : m.start()])
        pos = search = end.end()
    out.append(text[pos:])
    return "".join(out)


def _autop_shortcode_blocks(text: str) -> str:
    # <!-- wp:shortcode -->…<!-- /wp:shortcode --> becomes wpautop(…); the delimiters go later.
    out: list[str] = []
    pos = 0
    while opening := _SHORTCODE_BLOCK_OPEN.search(text, pos):
        closing = _SHORTCODE_BLOCK_CLOSE.search(text, opening.end())
        if closing is None:
            break
        out.append(text[pos : opening.start()])
        out.append(wpautop(text[opening.end() : closing.start()]))
        pos = closing.end()
    out.append(text[pos:])
    return "".join(out)


# --------------------------------------------------------------------------------------------
# Shortcodes
# --------------------------------------------------------------------------------------------
#
# do_shortcode() matches get_shortcode_regex(), whose six groups are: 1 an extra "[" (escaping),
# 2 the name, 3 the attribute text, 4 the "/" of a self-closing tag, 5 the enclosed content and
# 6 an extra "]". Unpacked, that regex says: the opening tag ends at the first "]" after the
# name (a "/" just before it makes it self-closing); otherwise the content runs to the first
# "[/name]" if there is one; a "]" right after that is group 6. _ShortcodeConverter applies
# exactly those rules with str.find() and a table of closing tags, because the regex itself
# rescans to the end of the text for each unclosed "[name" and a crafted body would take
# minutes.
#
# WordPress only matches the names registered on its site. An importer cannot know which
# plugins were active, so it converts the names it knows, treats every other name as not
# registered (left alone, as WordPress leaves unregistered ones), and unescapes "[[any name]]",
# since an author only escapes a shortcode that was live. Names must start with a letter so that
# footnote marks such as "[[1]]" stay as written.

_SHORTCODE_OPEN = re.compile(r"\[(\[?)([A-Za-z][\w-]*+)", _A)
_SHORTCODE_CLOSE = re.compile(r"\[/([A-Za-z][\w-]*+)\]", _A)

# get_shortcode_atts_regex(): name="value", name='value', name=value, "value", 'value', value.
_SHORTCODE_ATTS = re.compile(
    r"""([\w-]+)\s*=\s*"([^"]*)"(?:\s|$)"""
    r"""|([\w-]+)\s*=\s*'([^']*)'(?:\s|$)"""
    r"""|([\w-]+)\s*=\s*([^\s'"]+)(?:\s|$)"""
    r"""|"([^"]*)"(?:\s|$)"""
    r"""|'([^']*)'(?:\s|$)"""
    r"""|(\S+)(?:\s|$)""",
    _A,
)
_ATTS_SPACES = re.compile("[\u00a0\u200b]+")
# An attribute value that holds "<" must be made of whole tags, or WordPress empties it.
_BALANCED_TAGS = re.compile(r"^[^<]*+(?:<[^>]*+>[^<]*+)*+$")

# Where "[...]" must stay exactly as written: inside <pre> and <code> elements, comments and
# CDATA, and inside any tag (an alt or title that mentions a shortcode). WordPress would expand
# shortcodes inside <pre>; Byline does not, because posts that show shortcodes show them as code.
_RAW_OPEN = re.compile(r"<(pre|code)\b", re.IGNORECASE)
_RAW_CLOSE = re.compile(r"</(pre|code)\s*>", re.IGNORECASE)
_PLACEHOLDER = re.compile("\x00([0-9]+)\x00")

# The first <img>, possibly inside a link, and the caption text after it (img_caption_shortcode).
_CAPTIONED_IMAGE = re.compile(
    r"((?:<a [^>]+>\s*)?<img [^>]+>(?:\s*</a>)?)(.*)", re.DOTALL | re.IGNORECASE
)
_TAG_ATTRS = re.compile(
    r"""([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""",
)
_A_TAG = re.compile(r"<a\s([^>]*)>", re.IGNORECASE)
_IMG_TAG = re.compile(r"<img\s([^>]*)>", re.IGNORECASE)
_IMG_KEEP = ("src", "alt", "width", "height")

_CSLASH = re.compile(r"\\(x[0-9A-Fa-f]{1,2}|[0-7]{1,3}|.)", re.DOTALL)
_CSLASH_NAMED = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "v": "\v", "b": "\b", "f": "\f"}

_VIDEO_SOURCES = ("src", "mp4", "m4v", "webm", "ogv", "flv", "wmv")
_AUDIO_SOURCES = ("src", "mp3", "ogg", "flac", "m4a", "wav", "wma")

_ShortcodeAtts = tuple[dict[str, str], list[str]]
_Handler = Callable[[_ShortcodeAtts, str | None], str | None]


def _stripcslashes(value: str) -> str:
    # PHP stripcslashes(): C escapes (\n, \x41, \101) become characters, "\c" becomes "c".
    def one(m: re.Match[str]) -> str:
        code = m.group(1)
        if code[0] == "x" and len(code) > 1:
            return chr(int(code[1:], 16))
        if code[0] in "01234567":
            return chr(int(code, 8) & 0xFF)
        return _CSLASH_NAMED.get(code, code)

    return _CSLASH.sub(one, value) if "\\" in value else value


def _parse_shortcode_atts(text: str) -> _ShortcodeAtts:
    """shortcode_parse_atts(): named attributes (lower-cased names) and positional values."""
    named: dict[str, str] = {}
    positional: list[str] = []
    text = _ATTS_SPACES.sub(" ", text)
    for m in _SHORTCODE_ATTS.finditer(text):
        if m.group(1):
            named[m.group(1).lower()] = _stripcslashes(m.group(2))
        elif m.group(3):
            named[m.group(3).lower()] = _stripcslashes(m.group(4))
        elif m.group(5):
            named[m.group(5).lower()] = _stripcslashes(m.group(6))
        elif m.group(7):
            positional.append(_stripcslashes(m.group(7)))
        elif m.group(8):
            positional.append(_stripcslashes(m.group(8)))
        elif m.group(9) is not None:
            positional.append(_stripcslashes(m.group(9)))
    for key, value in named.items():
        if "<" in value and not _BALANCED_TAGS.match(value):
            named[key] = ""
    positional = [v if "<" not in v or _BALANCED_TAGS.match(v) else "" for v in positional]
    return named, positional


def _attr(value: str) -> str:
    # Values come from HTML-ish text, so may already hold entities: decode, then escape once.
    return html.escape(html.unescape(value), quote=True)


def _tag_attributes(inner: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for m in _TAG_ATTRS.finditer(inner):
        name = m.group(1).lower()
        value = next((v for v in m.group(2, 3, 4) if v is not None), "")
        attrs.setdefault(name, value)
    return attrs


def _link(url: str) -> str | None:
    """A plain link to ``url`` when it is an absolute http(s) URL, else None."""
    url = html.unescape(url).strip()
    if not safe_url(url):
        return None
    escaped = html.escape(url, quote=True)
    return f'<a href="{escaped}">{escaped}</a>'


def _protect(text: str, protected: list[str]) -> str:
    """Swap the regions where shortcodes must not be expanded for NUL-delimited placeholders.

    The text is cut into text and elements the way WordPress's wp_html_split() does (comments,
    CDATA and tags, an unterminated one running to the end), which is linear.
    """

    def hide(part: str) -> str:
        protected.append(part)
        return f"\x00{len(protected) - 1}\x00"

    parts = _HTML_SPLIT.split(text)
    out: list[str] = []
    raw: list[str] = []  # the pieces of an open <pre>/<code> element
    raw_name = ""
    for i, part in enumerate(parts):
        if raw_name:
            raw.append(part)
            close = _RAW_CLOSE.match(part) if i % 2 else None
            if close and close.group(1).lower() == raw_name:
                out.append(hide("".join(raw)))
                raw, raw_name = [], ""
        elif i % 2 == 0 or not part:
            out.append(part)
        elif opening := _RAW_OPEN.match(part):
            raw, raw_name = [part], opening.group(1).lower()
        elif "[" in part:
            out.append(hide(part))
        else:
            out.append(part)
    if raw:
        out.append(hide("".join(raw)))
    return "".join(out)


class _ShortcodeConverter:
    """do_shortcode() for the shortcodes Byline knows, over text with protected placeholders."""

    def __init__(self, protected: list[str], gallery: GalleryResolver | None = None) -> None:
        self.protected = protected
        self.gallery = gallery
        # Shortcode names are case-sensitive in WordPress: "[Caption]" was never a caption.
        self.handlers: dict[str, _Handler] = {
            "caption": self._caption,
            "wp_caption": self._caption,
            "embed": self._embed,
            "youtube": self._player,
            "vimeo": self._player,
            "video": lambda atts, content: self._media(atts, content, _VIDEO_SOURCES),
            "audio": lambda atts, content: self._media(atts, content, _AUDIO_SOURCES),
            "gallery": self._gallery,
        }

    def restore(self, text: str) -> str:
        return _PLACEHOLDER.sub(lambda m: self.protected[int(m.group(1))], text)

    def convert(self, text: str) -> str:
        # Handlers call this again on their content. Content stops at the first "[/name]", so
        # a name can enclose content only once per level and the recursion stays shallow.
        if "[" not in text:
            return text
        closers: dict[str, list[int]] = {}
        for m in _SHORTCODE_CLOSE.finditer(text):
            closers.setdefault(m.group(1), []).append(m.start())
        out: list[str] = []
        pos = 0
        bracket = -2  # the first "]" at or after the last place it was looked for
        for m in _SHORTCODE_OPEN.finditer(text):
            start, escaped, name = m.start(), m.group(1) == "[", m.group(2)
            handler = self.handlers.get(name)
            if start < pos or (handler is None and not escaped):
                continue
            if bracket < m.end():
                bracket = text.find("]", m.end())
                if bracket == -1:
                    break  # no "]" left: nothing after this can be a shortcode
            attrs, end, content = text[m.end() : bracket], bracket + 1, None
            if attrs.endswith("/"):
                attrs = attrs[:-1]
            else:
                starts = closers.get(name, [])
                i = bisect.bisect_left(starts, end)
                if i < len(starts):
                    content, end = text[end : starts[i]], starts[i] + len(name) + 3
            closing = "]" if text.startswith("]", end) else ""
            end += len(closing)
            if escaped and closing:
                # [[name]] is how authors write a shortcode they want shown, not run.
                result = text[start + 1 : end - 1]
            elif handler is None:
                continue  # "[[name]" of an unknown name: left alone like any unknown one
            else:
                converted = handler(_parse_shortcode_atts(attrs), content)
                # A known shortcode Byline cannot represent stays exactly as written.
                result = text[start:end] if converted is None else m.group(1) + converted + closing
            out.append(text[pos:start])
            out.append(result)
            pos = end
        out.append(text[pos:])
        return "".join(out)

    def _caption(self, atts: _ShortcodeAtts, content: str | None) -> str | None:
        if content is None:
            return None  # an opening tag with no closing one: show it as written
        named, _ = atts
        body = self.restore(self.convert(content))
        caption = named.get("caption")
        before = ""
        image = body
        if caption is None:
            # New-style caption: the text after the image is the caption (img_caption_shortcode).
            found = _CAPTIONED_IMAGE.search(body)
            if not found:
                return body
            # WordPress drops anything before the image; keep it, rather than lose words.
            before, image, caption = body[: found.start()], found.group(1), found.group(2)
            caption = caption.strip(_PHP_TRIM)
        picture = self._image(image)
        if picture is None:
            return body
        if not caption:
            # WordPress prints the bare image when there is no caption text.
            return before + picture
        # WordPress also skips the figure when width < 1; Byline keeps the caption instead,
        # since losing the author's words is worse than a figure without a set width.
        return f"{before}<figure>{picture}<figcaption>{caption}</figcaption></figure>"

    def _image(self, markup: str) -> str | None:
        img = _IMG_TAG.search(markup)
        if not img:
            return None
        attrs = _tag_attributes(img.group(1))
        kept = "".join(f' {k}="{_attr(attrs[k])}"' for k in _IMG_KEEP if k in attrs)
        picture = f"<img{kept}>"
        link = _A_TAG.search(markup[: img.start()])
        if link:
            href = _tag_attributes(link.group(1)).get("href")
            if href is not None:
                picture = f'<a href="{_attr(href)}">{picture}</a>'
        return picture

    def _embed(self, atts: _ShortcodeAtts, content: str | None) -> str | None:
        # [embed]URL[/embed], or [embed src=URL] as WP_Embed::shortcode() also accepts.
        named, _ = atts
        url = self.restore(content or "").strip() or named.get("src", "")
        return _link(url)

    def _player(self, atts: _ShortcodeAtts, content: str | None) -> str | None:
        # Jetpack's [youtube URL], [youtube=URL] and [youtube]URL[/youtube] (same for vimeo).
        named, positional = atts
        candidates = [named.get("url", ""), named.get("src", "")]
        candidates += [value.lstrip("=") for value in positional]
        candidates.append(self.restore(content or ""))
        return next((link for c in candidates if c and (link := _link(c))), None)

    def _media(
        self, atts: _ShortcodeAtts, content: str | None, sources: tuple[str, ...]
    ) -> str | None:
        # [video src=URL] / [video mp4=URL], [audio mp3=URL]: link to the first playable source.
        named, positional = atts
        candidates = [named.get(key, "") for key in sources] + positional
        return next((link for c in candidates if c and (link := _link(c))), None)

    def _gallery(self, atts: _ShortcodeAtts, content: str | None) -> str | None:
        # gallery_shortcode(): the images named by ids= (or include=), else those attached to
        # the post, minus exclude=; each links to its file (link="none": no link). WordPress
        # prints nothing for a gallery without images, and so does this.
        named, _ = atts
        wanted = _id_list(named.get("ids") or named.get("include") or "")
        excluded = set(_id_list(named.get("exclude", "")))
        images = self.gallery(wanted or None) if self.gallery is not None else []
        figures = []
        for image in images:
            if image.key in excluded or not safe_url(image.src):
                continue
            src = html.escape(image.src, quote=True)
            picture = f'<img src="{src}" alt="{html.escape(image.alt, quote=True)}">'
            if named.get("link") != "none":
                picture = f'<a href="{src}">{picture}</a>'
            if image.caption:
                picture += f"<br><small>{html.escape(image.caption)}</small>"
            figures.append(f"<li>{picture}</li>")
        after = self.convert(content) if content else ""
        if not figures:
            return after
        return f'<figure class="gallery"><ul>{"".join(figures)}</ul></figure>{after}'


def _id_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip().isdigit()]


def convert_shortcodes(text: str, gallery: GalleryResolver | None = None) -> str:
    """Expand the WordPress shortcodes Byline can represent and keep all others visible.

    * ``[caption …]<img …> text[/caption]`` (and ``[wp_caption]``) becomes
      ``<figure><img …><figcaption>text</figcaption></figure>``, keeping the image's ``src``,
      ``alt``, ``width`` and ``height`` and any link around it;
    * ``[embed]URL[/embed]``, ``[youtube URL]``, ``[vimeo URL]``, ``[video src=URL]`` and
      ``[audio src=URL]`` become a plain link to the URL (Byline embeds no third-party players);
    * ``[gallery …]`` becomes ``<figure class="gallery"><ul><li><a><img></a></li>…</ul>
      </figure>``, the images found by ``gallery`` (nothing without it, or without images);
    * any other shortcode, or one whose URL is not http(s), is kept exactly as written;
    * ``[[name …]]`` is shown as the literal ``[name …]``, as WordPress shows escaped shortcodes.

    Shortcodes inside ``<pre>``, ``<code>``, HTML comments and tags are left untouched. The
    result is not sanitised.
    """
    if "[" not in text:
        return text
    # NUL marks the placeholders; it has no business in HTML (parsers drop or replace it).
    protected: list[str] = []
    text = _protect(text.replace("\x00", ""), protected)
    converter = _ShortcodeConverter(protected, gallery)
    return converter.restore(converter.convert(text))


# --------------------------------------------------------------------------------------------
# The pipelines
# --------------------------------------------------------------------------------------------

# Sanitising can leave a paragraph empty (a lone <!--more--> or <script> line); WordPress would
# print an invisible empty <p>, Byline drops it.
_EMPTY_PARAGRAPH = re.compile(r"<p>\s*</p>\n?")


# <!--nextpage--> split a WordPress post into pages of its own (…/2/, …/3/). Byline shows the
# whole post on one page, with a visible break where each page began.
_NEXTPAGE = re.compile(r"<!--\s*nextpage\s*-->")
PAGE_BREAK = "<hr>"


def wordpress_to_html(
    text: str, *, profile: Profile = POST, gallery: GalleryResolver | None = None
) -> str:
    """Turn a WordPress post body (``content:encoded`` in a WXR file) into safe Byline HTML.

    The steps follow WordPress's display filters: block delimiters are removed, shortcodes are
    converted, and ``wpautop`` runs only for classic content. WordPress 5+ skips autop when the
    body contains block markup (``<!-- wp:``), since block HTML is already complete. WordPress
    itself expands shortcodes after autop (``the_content`` priority 11, after
    ``shortcode_unautop``); converting them first gives the same result here because every
    conversion yields single-line HTML whose outer element autop treats like the original
    shortcode. ``<!--nextpage-->`` becomes a visible break (``<hr>``) and ``[gallery]`` the
    images ``gallery`` finds. The result is passed through
    :func:`byline.core.rendering.sanitize` with ``profile``.
    """
    is_block_content = _BLOCK_MARKER in text
    if is_block_content and "wp:shortcode" in text:
        text = _autop_shortcode_blocks(text)
    text = strip_block_comments(text)
    if "nextpage" in text:
        text = _NEXTPAGE.sub(PAGE_BREAK if is_block_content else f"\n\n{PAGE_BREAK}\n\n", text)
    text = convert_shortcodes(text, gallery)
    if not is_block_content:
        text = wpautop(text)
    return _EMPTY_PARAGRAPH.sub("", sanitize(text, profile))


# Text with none of these is plain prose: no tags for wpautop to work around and nothing the
# sanitiser would escape or drop, so the fast path below gives the same bytes.
_NOT_PLAIN = re.compile(r"[<>&\x00-\x08\x0b\x0c\x0e-\x1f\x7f\xa0]")


def _plain_autop(text: str) -> str:
    """``wpautop`` for text with no markup: only its paragraph and line-break steps apply."""
    if text.strip(_PHP_TRIM) == "":
        return ""
    text = (text + "\n").replace("\r\n", "\n").replace("\r", "\n")
    text = _MANY_NEWLINES.sub("\n\n", text)
    chunks = [chunk for chunk in _PARAGRAPH_SPLIT.split(text) if chunk]
    text = "".join(f"<p>{chunk.strip(chr(10))}</p>\n" for chunk in chunks)
    text = _EMPTY_P.sub("", text)
    text = _NEWLINE_TO_BR.sub("<br />\n", text)
    text = _drop_after_block_tags(text, "<br />")
    text = _BR_BEFORE_BLOCK_TAG.sub("\\1", text)
    return _FINAL_NEWLINE_IN_P.sub("</p>", text)


def wordpress_comment_to_html(text: str) -> str:
    """Turn a WordPress comment body (``wp:comment_content``) into safe Byline HTML.

    WordPress displays comments with ``wpautop`` and no shortcodes (comment bodies were already
    filtered by kses when saved); Byline then applies its own comment allowlist. Most comments
    are plain prose, which takes a shortcut that an import of a million comments notices.
    """
    if not _NOT_PLAIN.search(text):
        # The sanitiser would only re-serialise "<br />" as "<br>"; do that and skip it.
        return _EMPTY_PARAGRAPH.sub("", _plain_autop(text).replace("<br />", "<br>"))
    return _EMPTY_PARAGRAPH.sub("", sanitize(wpautop(text), COMMENT))
