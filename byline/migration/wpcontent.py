"""WordPress post and comment bodies to Byline's stored HTML.

WordPress keeps bodies as "HTML-ish" text and formats them only when a page is displayed: block
comments are read, shortcodes are expanded and ``wpautop()`` turns blank-line-separated text into
paragraphs. An export (WXR) therefore holds the unformatted text, and an importer has to redo that
display step once, then hand the result to the same sanitiser as everything else Byline stores.

``wpautop`` below re-implements WordPress's own algorithm (wp-includes/formatting.php, the
WordPress 6.x revision of ``wpautop()``, ``wp_replace_in_html_tags()`` and
``get_html_split_regex()``, cross-read against the 5.x source in wordpress-develop), step by
step and with the same regular expressions, so that imported posts break into the paragraphs their
readers saw. It is a Python re-implementation of the algorithm, not a copy of the PHP; Byline is
AGPL-3.0, which may carry GPL-derived work.

Everything here treats the text as untrusted: the converters may emit whatever markup the author
wrote, and :func:`byline.core.rendering.sanitize` is what makes it safe.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from byline.core.rendering import COMMENT, POST, Profile, safe_url, sanitize

__all__ = [
    "convert_shortcodes",
    "strip_block_comments",
    "wordpress_comment_to_html",
    "wordpress_to_html",
    "wpautop",
]

# --------------------------------------------------------------------------------------------
# wpautop
# --------------------------------------------------------------------------------------------
#
# PHP runs these patterns without the /u flag, so ``\s`` and ``\w`` are ASCII-only: a line that
# holds only a no-break space is *not* blank to WordPress. re.ASCII gives Python the same rule.

_A = re.ASCII

# Block-level elements, as WordPress lists them. 6.x dropped ``math`` from this list and instead
# preserves newlines inside <math> the way it does inside <svg> (see _PRESERVE_NEWLINES).
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
_P_AROUND_LI = re.compile(r"<p>(<li.+?)</p>", _A)
_P_BEFORE_BLOCKQUOTE = re.compile(r"<p><blockquote([^>]*)>", _A | re.IGNORECASE)
_P_BEFORE_BLOCK_TAG = re.compile(r"<p>\s*(</?" + _ALLBLOCKS + r"[^>]*>)", _A)
_P_AFTER_BLOCK_TAG = re.compile(r"(</?" + _ALLBLOCKS + r"[^>]*>)\s*</p>", _A)
_PRESERVE_NEWLINES = re.compile(r"<(script|style|svg|math).*?</\1>", _A | re.DOTALL)
_NEWLINE_TO_BR = re.compile(r"(?<!<br />)\s*\n", _A)
_BR_AFTER_BLOCK_TAG = re.compile(r"(</?" + _ALLBLOCKS + r"[^>]*>)\s*<br />", _A)
_BR_BEFORE_BLOCK_TAG = re.compile(r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)", _A)
_FINAL_NEWLINE_IN_P = re.compile(r"\n</p>$")

# WordPress's placeholders, kept verbatim: they are part of the algorithm's observable
# behaviour (e.g. a literal "<!-- wpnl -->" in the input is turned into a newline as well).
_NEWLINE_PLACEHOLDER = " <!-- wpnl --> "
_PRESERVED_NEWLINE = "<WPPreserveNewline />"

# PHP's trim() default character list; str.strip() would also remove Unicode spaces.
_PHP_TRIM = " \t\n\r\0\x0b"


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
    text = _P_AROUND_LI.sub("\\1", text)
    # A paragraph that starts with a blockquote moves inside it: text in a quote is paragraphed.
    text = _P_BEFORE_BLOCKQUOTE.sub("<blockquote\\1><p>", text)
    text = text.replace("</blockquote></p>", "</p></blockquote>")
    text = _P_BEFORE_BLOCK_TAG.sub("\\1", text)
    text = _P_AFTER_BLOCK_TAG.sub("\\1", text)

    if br:
        # Newlines inside script-like elements are code, not line breaks.
        text = _PRESERVE_NEWLINES.sub(lambda m: m.group(0).replace("\n", _PRESERVED_NEWLINE), text)
        text = text.replace("<br>", "<br />").replace("<br/>", "<br />")
        text = _NEWLINE_TO_BR.sub("<br />\n", text)
        text = text.replace(_PRESERVED_NEWLINE, "\n")

    # No <br /> right after a block tag, nor right before one that ends a line of layout.
    text = _BR_AFTER_BLOCK_TAG.sub("\\1", text)
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
# name. Gutenberg escapes "--" inside the JSON, so the first "} -->" ends the attributes.
_BLOCK_DELIMITER = re.compile(
    r"<!--\s+/?wp:[a-z][a-z0-9_-]*(?:/[a-z][a-z0-9_-]*)?\s+(?:\{.*?\}\s+)?/?-->"
    # The line break the editor puts after each delimiter goes with it, so that blocks stay
    # separated by one blank line rather than three.
    r"(?:[ \t]*\r?\n)?",
    re.DOTALL,
)

# The Shortcode block: WordPress renders it by running wpautop() over its text, even in block
# content where autop is otherwise skipped.
_SHORTCODE_BLOCK = re.compile(
    r"<!--\s+wp:(?:core/)?shortcode\s+(?:\{.*?\}\s+)?-->(.*?)<!--\s+/wp:(?:core/)?shortcode\s+-->",
    re.DOTALL,
)

# has_blocks() in WordPress: any "<!-- wp:" makes the body block content.
_BLOCK_MARKER = "<!-- wp:"


def strip_block_comments(text: str) -> str:
    """Remove Gutenberg's ``<!-- wp:… -->`` and ``<!-- /wp:… -->`` delimiters, keep inner HTML.

    A block's HTML is already complete without its delimiters; the JSON attributes in them only
    matter to the editor. Dynamic (void) blocks such as ``<!-- wp:latest-posts /-->`` have no
    HTML of their own and so leave nothing behind. Other HTML comments are untouched.
    """
    return _BLOCK_DELIMITER.sub("", text)


# --------------------------------------------------------------------------------------------
# Shortcodes
# --------------------------------------------------------------------------------------------

# get_shortcode_regex() with its six groups: 1 an extra "[" (escaping), 2 the name, 3 the
# attribute text, 4 the "/" of a self-closing tag, 5 the enclosed content, 6 an extra "]".
# WordPress only matches the names registered on that site; an importer cannot know which
# plugins were active, so any name is matched and the callback decides what to do with it.
# Names must start with a letter so that footnote marks like "[1]" are never treated as code.
_SHORTCODE = re.compile(
    r"\[(\[?)"
    r"([A-Za-z][\w-]*+)(?![\w-])"
    r"([^\]/]*(?:/(?!\])[^\]/]*)*?)"
    r"(?:(/)\]|\](?:([^\[]*+(?:\[(?!/\2\])[^\[]*+)*+)\[/\2\])?)"
    r"(\]?)",
    _A,
)

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

# Regions whose text is code or markup, where "[...]" must stay exactly as written: <pre> and
# <code> elements, HTML comments, and any single tag with a bracket inside (an alt or title that
# mentions a shortcode). WordPress itself would expand shortcodes inside <pre>; Byline does not,
# because posts that show shortcodes almost always show them as code.
_PROTECTED = re.compile(
    r"<(pre|code)\b[^>]*>.*?</\1\s*>|<!--.*?-->|<[A-Za-z/][^>]*\[[^>]*>",
    re.DOTALL | re.IGNORECASE,
)
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

ShortcodeAtts = tuple[dict[str, str], list[str]]


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


def _parse_shortcode_atts(text: str) -> ShortcodeAtts:
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


class _ShortcodeConverter:
    """One pass of do_shortcode() over a text whose protected regions are placeholders."""

    def __init__(self, protected: list[str]) -> None:
        self.protected = protected
        self.handlers: dict[str, Callable[[ShortcodeAtts, str | None], str | None]] = {
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
        if "[" not in text:
            return text
        return _SHORTCODE.sub(self._one, text)

    def _one(self, m: re.Match[str]) -> str:
        # [[name]] is how authors write a shortcode they want shown, not run.
        if m.group(1) == "[" and m.group(6) == "]":
            return m.group(0)[1:-1]
        handler = self.handlers.get(m.group(2).lower())
        result = handler(_parse_shortcode_atts(m.group(3)), m.group(5)) if handler else None
        if result is not None:
            return m.group(1) + result + m.group(6)
        # Unknown (or unusable) shortcodes stay exactly as written so readers see that something
        # was there; only their content is searched for shortcodes we do know.
        if m.group(5) is None:
            return m.group(0)
        text = m.string
        return text[m.start() : m.start(5)] + self.convert(m.group(5)) + text[m.end(5) : m.end()]

    def _caption(self, atts: ShortcodeAtts, content: str | None) -> str | None:
        named, _ = atts
        body = self.restore(self.convert(content or ""))
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

    def _embed(self, atts: ShortcodeAtts, content: str | None) -> str | None:
        # [embed]URL[/embed], or [embed src=URL] as WP_Embed::shortcode() also accepts.
        named, _ = atts
        url = self.restore(content or "").strip() or named.get("src", "")
        return _link(url)

    def _player(self, atts: ShortcodeAtts, content: str | None) -> str | None:
        # Jetpack's [youtube URL], [youtube=URL] and [youtube]URL[/youtube] (same for vimeo).
        named, positional = atts
        candidates = [named.get("url", ""), named.get("src", "")]
        candidates += [value.lstrip("=") for value in positional]
        candidates.append(self.restore(content or ""))
        return next((link for c in candidates if c and (link := _link(c))), None)

    def _media(
        self, atts: ShortcodeAtts, content: str | None, sources: tuple[str, ...]
    ) -> str | None:
        # [video src=URL] / [video mp4=URL], [audio mp3=URL]: link to the first playable source.
        named, positional = atts
        candidates = [named.get(key, "") for key in sources] + positional
        return next((link for c in candidates if c and (link := _link(c))), None)

    def _gallery(self, atts: ShortcodeAtts, content: str | None) -> str | None:
        # A gallery is built from the WordPress media library, which does not come with the
        # export; leave a visible mark where it was.
        return "[gallery]" + (self.convert(content) if content else "")


def convert_shortcodes(text: str) -> str:
    """Expand the WordPress shortcodes Byline can represent and keep all others visible.

    * ``[caption …]<img …> text[/caption]`` (and ``[wp_caption]``) becomes
      ``<figure><img …><figcaption>text</figcaption></figure>``, keeping the image's ``src``,
      ``alt``, ``width`` and ``height`` and any link around it;
    * ``[embed]URL[/embed]``, ``[youtube URL]``, ``[vimeo URL]``, ``[video src=URL]`` and
      ``[audio src=URL]`` become a plain link to the URL (Byline embeds no third-party players);
    * ``[gallery …]`` becomes the visible text ``[gallery]``;
    * any other shortcode, or one whose URL is not http(s), is kept exactly as written;
    * ``[[name …]]`` is shown as the literal ``[name …]``, as WordPress shows escaped shortcodes.

    Shortcodes inside ``<pre>``, ``<code>``, HTML comments and tag attributes are left untouched.
    The result is not sanitised.
    """
    if "[" not in text:
        return text
    # NUL marks the placeholders; it has no business in HTML (parsers drop or replace it).
    text = text.replace("\x00", "")
    protected: list[str] = []

    def hide(m: re.Match[str]) -> str:
        protected.append(m.group(0))
        return f"\x00{len(protected) - 1}\x00"

    text = _PROTECTED.sub(hide, text)
    converter = _ShortcodeConverter(protected)
    return converter.restore(converter.convert(text))


# --------------------------------------------------------------------------------------------
# The pipelines
# --------------------------------------------------------------------------------------------

# Sanitising can leave a paragraph empty (a lone <!--more--> or <script> line); WordPress would
# print an invisible empty <p>, Byline drops it.
_EMPTY_PARAGRAPH = re.compile(r"<p>\s*</p>\n?")


def wordpress_to_html(text: str, *, profile: Profile = POST) -> str:
    """Turn a WordPress post body (``content:encoded`` in a WXR file) into safe Byline HTML.

    The steps follow WordPress's display filters: block delimiters are removed, shortcodes are
    converted, and ``wpautop`` runs only for classic content. WordPress 5+ skips autop when the
    body contains block markup (``<!-- wp:``), since block HTML is already complete. WordPress
    itself expands shortcodes after autop (``the_content`` priority 11, after
    ``shortcode_unautop``); converting them first gives the same result here because every
    conversion yields single-line HTML whose outer element autop treats like the original
    shortcode. The result is passed through :func:`byline.core.rendering.sanitize` with
    ``profile``.
    """
    is_block_content = _BLOCK_MARKER in text
    if is_block_content and "wp:shortcode" in text:
        text = _SHORTCODE_BLOCK.sub(lambda m: wpautop(m.group(1)), text)
    text = strip_block_comments(text)
    text = convert_shortcodes(text)
    if not is_block_content:
        text = wpautop(text)
    return _EMPTY_PARAGRAPH.sub("", sanitize(text, profile))


def wordpress_comment_to_html(text: str) -> str:
    """Turn a WordPress comment body (``wp:comment_content``) into safe Byline HTML.

    WordPress displays comments with ``wpautop`` and no shortcodes (comment bodies were already
    filtered by kses when saved); Byline then applies its own comment allowlist.
    """
    return _EMPTY_PARAGRAPH.sub("", sanitize(wpautop(text), COMMENT))
