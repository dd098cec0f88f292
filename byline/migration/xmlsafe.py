"""Streaming, hostile-input-safe XML reading shared by the WordPress and Disqus parsers.

Archive exports are large files handed to us by people we don't control, so this module does
three things the standard library leaves to its caller:

* **It refuses DTDs before they can do anything.** Export files never carry a ``<!DOCTYPE>``;
  one that does is either damaged or an attack (a "billion laughs" entity bomb, an external
  entity pointing at ``file:///etc/passwd``, a DTD fetched from a URL). A small separate expat
  parser reads the document's prolog first, with handlers that raise on a DOCTYPE or any
  entity declaration, so the refusal happens as soon as ``<!DOCTYPE`` is seen and before any
  entity is declared, expanded or fetched. Only bytes that this guard has accepted reach the
  main parser. XML allows a DOCTYPE only before the root element, and entities can only be
  declared inside one, so once the guard has seen the root element start the rest of the file
  cannot declare anything: expat rejects a later ``<!DOCTYPE`` or ``<!ENTITY`` as
  not well-formed. Both parsers are the same expat library, so they agree on encodings.

  (``defusedxml`` does the same job, but through the pure-Python ``XMLParser``; measured on a
  75 MB export it halves the raw parse speed, and doing it ourselves needs no dependency.)

* **It streams, and caps each entry.** Bytes are read in chunks and fed to the C ``XMLParser``,
  and events are handed over chunk by chunk, so memory is bounded by what the caller keeps, not
  by the file. Elements are built by a C ``TreeBuilder`` behind a thin target (``_Builder``)
  that also counts what each top-level entry (an ``<item>``, a Disqus ``<post>``) holds: past
  ``max_item_bytes`` the rest of that entry's text and elements are dropped instead of kept, and
  the entry is marked (:func:`oversized`) so that its parser reports it as refused and the
  import goes on. One 150 MB post body therefore costs at most the cap, not the body several
  times over. A single tag or comment larger than the cap (which expat must hold whole) stops
  the import with an error.

* **It explains errors.** Every failure (truncation, invalid UTF-8, a broken CDATA section, a
  mismatched tag, a DOCTYPE) becomes an :class:`~byline.migration.records.ArchiveError` in plain
  words with the line and column, never a bare ``ParseError`` traceback.
"""

from __future__ import annotations

import codecs
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from typing import BinaryIO, NoReturn, cast
from xml.parsers import expat

from .records import ArchiveError

#: What the parsers accept: a path, or a file object opened in binary mode.
Source = str | os.PathLike[str] | BinaryIO

#: One (event, element) pair from the pull parser: event is "start" or "end".
Event = tuple[str, ET.Element]

#: Deeper nesting than this is refused. Exports nest five or six levels (more only for inline
#: XHTML in a post); a file nested thousands deep is an attack on code that recurses, such as
#: serialising an element, and refusing it early keeps every later step safe.
MAX_DEPTH = 256
TOO_DEEP = (
    f"The file nests elements more than {MAX_DEPTH} levels deep, which no export does; "
    "it is damaged or was made to attack importers"
)

# 16 KiB chunks, as ElementTree.iterparse uses: measured fastest on a 75 MB export (256 KiB
# was 40% slower, its larger event batches falling out of CPU caches), and tiny in memory.
CHUNK_SIZE = 16 * 1024

#: The most one top-level entry (a post with its comments, a Disqus comment) may hold, about
#: its size in the file (counted as its text, tag names and attributes); the importers pass
#: ``settings.BYLINE_IMPORT_MAX_ITEM_BYTES``.
DEFAULT_MAX_ITEM_BYTES = 20 * 1024 * 1024
# Set on an entry's element when it went past the cap (the value is the cap).
_OVERSIZED = "{urn:byline:import}oversized"


def oversized(elem: ET.Element) -> int | None:
    """The cap ``elem`` (a top-level entry) went past, or None if it is complete."""
    value = elem.get(_OVERSIZED)
    return int(value) if value is not None else None


def too_big(cap: int) -> str:
    """Why an entry over the cap was left out, in words for the person importing."""
    return (
        f"it is larger than the {describe_size(cap)} one entry may hold "
        "(BYLINE_IMPORT_MAX_ITEM_BYTES); it was left out and the rest was imported"
    )


def describe_size(n: int) -> str:
    """A size in words: "20 MB", "65,536 bytes"."""
    return f"{n / 1024**2:g} MB" if n >= 1024**2 else f"{n:,} bytes"


def _token_too_big(cap: int) -> ArchiveError:
    return ArchiveError(
        f"A single tag or comment in the file is larger than {describe_size(cap)} "
        "(BYLINE_IMPORT_MAX_ITEM_BYTES), which no export writes; the file is damaged, or "
        "raise the limit"
    )


DTD_REFUSED = (
    "This file declares a DOCTYPE/entities, which archive exports never need; "
    "refusing it for safety"
)

_UTF8_BOM = codecs.BOM_UTF8
# The encoding named in an XML declaration at the very start of the file.
_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")

_E = expat.errors
_CODE = _E.codes  # message → numeric code
# Plain-language explanations of the expat errors a damaged export actually produces.
_EXPLANATIONS: dict[int, str] = {
    _CODE[_E.XML_ERROR_NO_ELEMENTS]: (
        "The file ends before the export is complete; it looks truncated "
        "(an interrupted download or upload?). Export it again and retry"
    ),
    _CODE[_E.XML_ERROR_UNCLOSED_TOKEN]: (
        "The file ends in the middle of a tag; it looks truncated "
        "(an interrupted download or upload?). Export it again and retry"
    ),
    _CODE[_E.XML_ERROR_PARTIAL_CHAR]: (
        "The file ends in the middle of a character; it looks truncated. Export it again and retry"
    ),
    _CODE[_E.XML_ERROR_UNCLOSED_CDATA_SECTION]: (
        "A CDATA section (<![CDATA[ … ]]>) is never closed, so the rest of the file was swallowed "
        "by it; the file is damaged or truncated somewhere before this point"
    ),
    _CODE[_E.XML_ERROR_TAG_MISMATCH]: (
        "A closing tag does not match the tag it should close; the file is damaged "
        "(edited by hand, or cut and joined?)"
    ),
    _CODE[_E.XML_ERROR_INVALID_TOKEN]: (
        "The file contains something XML does not allow here: a stray '<' or '&', "
        "a control character, or bytes that are not valid text"
    ),
    _CODE[_E.XML_ERROR_UNDEFINED_ENTITY]: (
        "The file uses a named entity such as &nbsp; that XML does not define "
        "(exports normally wrap such text in CDATA); the file is damaged or was edited"
    ),
    _CODE[_E.XML_ERROR_BAD_CHAR_REF]: (
        "The file refers to a character that XML forbids (such as &#0; or &#11;)"
    ),
    _CODE[_E.XML_ERROR_JUNK_AFTER_DOC_ELEMENT]: (
        "There is more content after the end of the export; perhaps two files were joined "
        "into one, or something was appended to it"
    ),
    _CODE[_E.XML_ERROR_MISPLACED_XML_PI]: (
        "The <?xml …?> declaration is not at the very start of the file "
        "(something was written before it)"
    ),
    _CODE[_E.XML_ERROR_UNBOUND_PREFIX]: (
        "The file uses a namespace prefix (such as wp:) that it never declares"
    ),
    _CODE[_E.XML_ERROR_INCORRECT_ENCODING]: (
        "The file's text does not match the encoding its XML declaration names"
    ),
    _CODE[_E.XML_ERROR_UNKNOWN_ENCODING]: ("The file's XML declaration names an unknown encoding"),
    _CODE[_E.XML_ERROR_DUPLICATE_ATTRIBUTE]: ("A tag in the file repeats one of its attributes"),
}


def explain(
    code: int | None, expat_message: str, *, line: int | None, column: int | None
) -> ArchiveError:
    """Turn an expat error (code, message, 1-based line, 0-based column) into an ArchiveError.

    The column is reported 1-based, as text editors count.
    """
    text = _EXPLANATIONS.get(code or -1)
    if text is None:
        text = f"The file is not well-formed XML ({expat_message.split(':', 1)[0]})"
    return ArchiveError(text, line=line, column=None if column is None else column + 1)


class _Stop(Exception):
    """Raised inside the guard's handler when the root element starts: the prolog is over."""


class _DtdRefused(Exception):
    """Raised inside the guard's handlers on a DOCTYPE or a declaration."""


class _PrologGuard:
    """Reads the prolog with its own expat parser and refuses any DOCTYPE or declaration."""

    def __init__(self) -> None:
        # Namespace processing on, as in ElementTree's parser, so both accept the same input.
        self._parser = expat.ParserCreate(namespace_separator="}")
        self.done = False
        self.position: tuple[int, int] = (1, 0)

        def refuse(*_args: object) -> NoReturn:
            self.position = (self._parser.CurrentLineNumber, self._parser.CurrentColumnNumber)
            raise _DtdRefused

        def root_started(*_args: object) -> NoReturn:
            raise _Stop

        p = self._parser
        p.StartDoctypeDeclHandler = refuse
        # Unreachable without a DOCTYPE, but cheap insurance should expat ever change.
        p.EntityDeclHandler = refuse
        p.UnparsedEntityDeclHandler = refuse
        p.NotationDeclHandler = refuse
        p.ExternalEntityRefHandler = refuse
        p.StartElementHandler = root_started

    def feed(self, data: bytes) -> None:
        """Check one chunk of the prolog; raise ArchiveError on a DTD or broken XML."""
        try:
            self._parser.Parse(data, False)
        except _Stop:
            self.done = True
        except _DtdRefused:
            self.done = True
            line, column = self.position
            raise ArchiveError(DTD_REFUSED, line=line, column=column + 1) from None
        except expat.ExpatError as exc:
            raise explain(exc.code, str(exc), line=exc.lineno, column=exc.offset) from None


def _open(source: Source, stack: ExitStack) -> BinaryIO:
    if isinstance(source, str | os.PathLike):
        try:
            return stack.enter_context(open(source, "rb"))
        except OSError as exc:
            raise ArchiveError(f"Could not open the file: {exc.strerror or exc}") from None
    if not hasattr(source, "read"):
        raise TypeError(f"expected a path or a binary file object, got {type(source).__name__}")
    return source


def _wants_utf8_check(head: bytes) -> bool:
    """Whether the document is UTF-8 (declared, or by default), so bytes can be validated."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head[:1] == b"\x00":
        return False
    match = _DECLARED_ENCODING.match(head.removeprefix(_UTF8_BOM))
    if match is None:
        return True  # XML's default encoding is UTF-8
    try:
        return codecs.lookup(match.group(1).decode("ascii")).name == "utf-8"
    except LookupError:
        return False  # expat will report the unknown encoding itself


def _strip_leading_blank_lines(chunk: bytes) -> tuple[bytes, int]:
    """Drop whitespace before ``<?xml``; return the chunk and how many lines were dropped.

    A WordPress plugin or theme that echoes a newline corrupts every export of its site this
    way; it is the commonest "invalid" WXR in the wild, and the fix loses nothing.
    """
    bom = _UTF8_BOM if chunk.startswith(_UTF8_BOM) else b""
    body = chunk[len(bom) :]
    stripped = body.lstrip(b" \t\r\n")
    if len(stripped) == len(body) or not stripped.startswith(b"<?xml"):
        return chunk, 0
    dropped = body[: len(body) - len(stripped)]
    return bom + stripped, dropped.count(b"\n") or dropped.count(b"\r")


class _Builder:
    """The parser's target: a C ``TreeBuilder`` that records start/end events and stops
    keeping what a top-level entry (the elements at ``item_depth``) holds beyond ``cap``.

    Once an entry is over, its further text is dropped and its further child elements are
    neither built nor reported (their start/end events are swallowed in pairs, so the caller's
    depth count stays right); the entry's element is marked for :func:`oversized`. Text outside
    any entry (whitespace between entries) is read by no parser and is not kept at all.
    """

    __slots__ = (
        "_tb", "cap", "depth", "events", "item", "item_depth", "over", "size", "skip", "touched",
    )  # fmt: skip

    def __init__(self, item_depth: int, cap: int) -> None:
        self._tb = ET.TreeBuilder()
        self.events: list[Event] = []
        self.item_depth = item_depth
        self.cap = cap
        self.depth = 0
        self.item: ET.Element | None = None
        self.size = 0  # what the current entry holds so far
        self.over = False  # the current entry went past the cap
        self.skip = 0  # elements opened inside an over-cap entry, not built
        self.touched = False  # any callback since the feed loop last looked

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.touched = True
        self.depth += 1
        if self.item is not None:
            if self.over:
                self.skip += 1
                return
            self.size += len(tag) + sum(len(k) + len(v) for k, v in attrib.items())
            if self.size > self.cap:
                self._mark_over()
                self.skip += 1
                return
        elem = self._tb.start(tag, attrib)
        self.events.append(("start", elem))
        if self.depth == self.item_depth:
            self.item, self.size, self.over = elem, 0, False

    def end(self, tag: str) -> None:
        self.touched = True
        self.depth -= 1
        if self.skip:
            self.skip -= 1
            return
        elem = self._tb.end(tag)
        self.events.append(("end", elem))
        if elem is self.item:
            self.item = None

    def data(self, text: str) -> None:
        self.touched = True
        if self.item is None:
            return  # between entries: whitespace no parser reads
        if self.over:
            return
        self.size += len(text)
        if self.size > self.cap:
            self._mark_over()
            return
        self._tb.data(text)

    def _mark_over(self) -> None:
        self.over = True
        if self.item is not None:
            self.item.set(_OVERSIZED, str(self.cap))

    def close(self) -> ET.Element:
        return self._tb.close()


def iter_event_batches(source: Source, *, chunk_size: int = CHUNK_SIZE) -> Iterator[list[Event]]:
    """Stream ``("start" | "end", element)`` pairs from an XML file safely, a chunk at a time.

    The caller must remove finished elements from their parent (or clear them) to keep memory
    bounded: this function only guarantees that it holds nothing beyond the current chunk
    (:func:`iter_entries` also caps each entry).
    Raises :class:`ArchiveError` for a DOCTYPE or entity declaration (before anything is
    expanded or fetched), for an empty or unreadable file, and for any XML or UTF-8 error, with
    the line and column. Events before the error have already been yielded by then.
    """
    with ExitStack() as stack:
        stream = _open(source, stack)
        for batch, _fed in _batches(stream, chunk_size, None):
            if batch:
                yield batch


#: What :func:`iter_entries` yields: ``(what, depth, element)`` where ``what`` is ``"start"``
#: when an element at the entries' depth or above starts (its content is not there yet),
#: ``"end"`` when one above the entries' depth ends, ``"entry"`` for a complete entry and
#: ``"refused"`` for an entry over the cap (cut short: what it held up to the cap, enough to
#: name it). ``depth`` is 1 for the root element.
Entry = tuple[str, int, ET.Element]


class _Restart(Exception):
    """An entry went past the cap on the fast path: read the file again with the capped one."""


def iter_entries(
    source: Source,
    *,
    item_depth: int,
    max_item_bytes: int | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[Entry]:
    """Stream the entries of an export (the elements at ``item_depth``; 1 is the root), complete,
    each dropped from the tree once the caller has taken it; see :data:`Entry`.

    Memory is bounded by one entry, and an entry by ``max_item_bytes`` (default
    :data:`DEFAULT_MAX_ITEM_BYTES`). The file is read on the fast path (C parser and tree
    builder) and each open entry's size is watched by the bytes fed since it started; when one
    goes past the cap, the file is read again from the start through the capped builder, which
    keeps no more of that entry than the cap, skipping what was already handed over, and
    carries on that way to the end (about half the speed; only files with an oversized entry
    pay it). A source that cannot be re-read (no ``seek``) stops with an error instead. So does
    a single tag or comment larger than the cap, which the parser would have to hold whole.
    Raises :class:`ArchiveError` as :func:`iter_event_batches` does, and for nesting deeper than
    :data:`MAX_DEPTH`.
    """
    cap = DEFAULT_MAX_ITEM_BYTES if max_item_bytes is None else max_item_bytes
    with ExitStack() as stack:
        stream = _open(source, stack)
        try:
            origin: int | None = stream.tell()
        except (AttributeError, OSError):
            origin = None
        builder: _Builder | None = None
        replay = 0  # on the second reading: entries whose start the caller has already seen
        while True:
            try:
                yield from _walk(stream, chunk_size, builder, item_depth, cap, replay)
                return
            except _Restart as restart:
                if origin is None or not hasattr(stream, "seek"):
                    raise ArchiveError(
                        f"An entry of the file is larger than {describe_size(cap)} "
                        "(BYLINE_IMPORT_MAX_ITEM_BYTES) and the file cannot be read again to "
                        "leave it out; raise the limit, or import from a file on disk"
                    ) from None
                stream.seek(origin)
                builder = _Builder(item_depth, cap)
                replay = restart.args[0]


def _walk(
    stream: BinaryIO,
    chunk_size: int,
    builder: _Builder | None,
    item_depth: int,
    cap: int,
    replay: int,
) -> Iterator[Entry]:
    """One reading of the file for :func:`iter_entries`; raises ``_Restart(started)`` when an
    entry goes past the cap on the fast path (``builder`` None)."""
    depth = 0
    started = 0  # entries started so far in this reading
    parents: list[ET.Element] = []  # the open elements above the entries
    entry_open = False
    entry_fed = 0  # bytes fed before the chunk in which the open entry started
    last_events = 0  # bytes fed when the last events came
    fed_before = 0
    slack = cap + chunk_size
    for batch, fed in _batches(stream, chunk_size, builder):
        for event, elem in batch:
            if event == "start":
                depth += 1
                if depth > MAX_DEPTH:
                    raise ArchiveError(TOO_DEEP)
                if depth > item_depth:
                    continue
                if depth == item_depth:
                    started += 1
                    entry_open, entry_fed = True, fed_before
                    if started <= replay:
                        continue
                else:
                    parents.append(elem)
                    if started < replay:
                        continue
                yield "start", depth, elem
                continue
            ended = depth
            depth -= 1
            if ended > item_depth:
                continue
            if ended == item_depth:
                entry_open = False
                if started >= replay:
                    yield ("refused" if oversized(elem) is not None else "entry"), ended, elem
                if parents:
                    del parents[-1][:]  # taken: drop it (and anything after it) from the tree
            else:
                parents.pop()
                if started >= replay:
                    yield "end", ended, elem
                if parents:
                    del parents[-1][:]
        if batch:
            last_events = fed
        if builder is None:
            if entry_open and fed - entry_fed > slack:
                raise _Restart(started)
            if not entry_open and fed - last_events > slack:
                raise _token_too_big(cap)
        fed_before = fed


def _batches(
    stream: BinaryIO, chunk_size: int, builder: _Builder | None
) -> Iterator[tuple[list[Event], int]]:
    """Feed the stream to a parser a chunk at a time; yield each chunk's events (maybe none)
    and the bytes fed so far. ``builder`` None: the fast C pull parser, nothing capped; else
    through that capped builder, which also stops a single token growing past its cap."""
    guard = _PrologGuard()
    pull: ET.XMLPullParser[ET.Element] | None = None
    capped: ET.XMLParser | None = None
    if builder is None:
        pull = ET.XMLPullParser(events=("start", "end"))
    else:
        capped = ET.XMLParser(target=builder)  # noqa: S314 - the prolog guard refuses DTDs first
    silent = 0  # capped: bytes fed since the builder last heard anything
    fed = 0
    decoder: codecs.BufferedIncrementalDecoder | None = None
    first = True
    line_offset = 0  # lines dropped before <?xml, added back to reported positions
    lines = 0  # newlines decoded so far (only tracked while validating UTF-8)
    column = 0  # characters since the last newline

    def parse_error(exc: ET.ParseError) -> ArchiveError:
        line, col = exc.position
        return explain(getattr(exc, "code", None), str(exc), line=line + line_offset, column=col)

    def feed(data: bytes) -> Iterator[tuple[list[Event], int]]:
        # One list per chunk: the caller loops over a list instead of resuming a generator per
        # element, which is a third of the parse time on big files. A parse error comes after
        # the events that precede it: those are handed over first, then the error is raised.
        nonlocal silent, fed
        fed += len(data)
        error: ET.ParseError | None = None
        batch: list[Event] = []
        if pull is not None:
            try:
                pull.feed(data)
                batch.extend(cast(Iterator[Event], pull.read_events()))
            except ET.ParseError as exc:
                error = exc
        elif capped is not None and builder is not None:
            try:
                capped.feed(data)
            except ET.ParseError as exc:
                error = exc
            batch, builder.events = builder.events, []
            if builder.touched:
                builder.touched, silent = False, 0
            elif error is None:
                silent += len(data)
                if silent > builder.cap + chunk_size:
                    yield batch, fed
                    raise _token_too_big(builder.cap)
        yield batch, fed
        if error is not None:
            raise parse_error(error) from None

    while True:
        try:
            chunk = stream.read(chunk_size)
        except OSError as exc:
            raise ArchiveError(f"Could not read the file: {exc.strerror or exc}") from None
        if isinstance(chunk, str):
            raise TypeError("open the archive in binary mode ('rb'), not text mode")
        if not chunk:
            break
        bad_utf8: UnicodeDecodeError | None = None
        if first:
            first = False
            chunk, line_offset = _strip_leading_blank_lines(chunk)
            if _wants_utf8_check(chunk):
                decoder = codecs.getincrementaldecoder("utf-8")()
        if decoder is not None:
            # Validate before parsing so that bad bytes get a message naming the real cause
            # (expat would only say "invalid token"); parse the good prefix first so that any
            # earlier XML error, and every record before the bad bytes, still come out.
            pending = len(decoder.getstate()[0])
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                # exc.object is the decoder's held-back bytes plus this chunk; the parser
                # already has the held-back ones, so it gets only this chunk's good part.
                bad_utf8 = exc
                text = exc.object[: exc.start].decode("utf-8")
                chunk = chunk[: max(0, exc.start - pending)]
            newlines = text.count("\n")
            if newlines:
                lines += newlines
                column = len(text) - text.rfind("\n") - 1
            else:
                column += len(text)
        if not guard.done:
            try:
                guard.feed(chunk)
            except ArchiveError as exc:
                if exc.line is not None:
                    exc = ArchiveError(exc.message, line=exc.line + line_offset, column=exc.column)
                raise exc from None
        yield from feed(chunk)
        if bad_utf8 is not None:
            byte = bad_utf8.object[bad_utf8.start : bad_utf8.start + 1].hex().upper()
            raise ArchiveError(
                f"The file is not valid UTF-8 text (byte 0x{byte} cannot be read); it may have "
                "been saved in another encoding such as Windows-1252. Export it again, or "
                "convert it to UTF-8",
                line=lines + 1 + line_offset,
                column=column + 1,
            )
    if first:
        raise ArchiveError("The file is empty")
    # The last bytes may complete some elements before the end turns out to be broken: hand
    # those over first, then report the error.
    error: ET.ParseError | None = None
    batch: list[Event] = []
    try:
        if pull is not None:
            pull.close()
            batch.extend(cast(Iterator[Event], pull.read_events()))
        elif capped is not None and builder is not None:
            capped.close()
    except ET.ParseError as exc:
        error = exc
    if pull is not None and error is not None:
        with suppress(ET.ParseError):
            batch.extend(cast(Iterator[Event], pull.read_events()))
    if builder is not None:
        batch, builder.events = builder.events, []
    yield batch, fed
    if error is not None:
        raise parse_error(error) from None
