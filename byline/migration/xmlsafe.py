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

* **It streams.** Bytes are read in chunks and fed to the C ``XMLPullParser``, and events are
  handed over chunk by chunk, so memory is bounded by what the caller keeps, not by the file.

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
from contextlib import ExitStack
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


def iter_event_batches(source: Source, *, chunk_size: int = CHUNK_SIZE) -> Iterator[list[Event]]:
    """Stream ``("start" | "end", element)`` pairs from an XML file safely, a chunk at a time.

    The caller must remove finished elements from their parent (or clear them) to keep memory
    bounded: this function only guarantees that it holds nothing beyond the current chunk.
    Raises :class:`ArchiveError` for a DOCTYPE or entity declaration (before anything is
    expanded or fetched), for an empty or unreadable file, and for any XML or UTF-8 error, with
    the line and column. Events before the error have already been yielded by then.
    """
    with ExitStack() as stack:
        stream = _open(source, stack)
        guard = _PrologGuard()
        parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
        decoder: codecs.BufferedIncrementalDecoder | None = None
        first = True
        line_offset = 0  # lines dropped before <?xml, added back to reported positions
        lines = 0  # newlines decoded so far (only tracked while validating UTF-8)
        column = 0  # characters since the last newline

        def parse_error(exc: ET.ParseError) -> ArchiveError:
            line, col = exc.position
            return explain(
                getattr(exc, "code", None), str(exc), line=line + line_offset, column=col
            )

        def drain() -> Iterator[list[Event]]:
            # One list per chunk: the caller loops over a list instead of resuming a generator
            # per element, which is a third of the parse time on big files. The pull parser
            # queues a parse error after the events that precede it; extend() keeps those, and
            # they are handed over before the error is raised.
            batch: list[Event] = []
            try:
                batch.extend(cast(Iterator[Event], parser.read_events()))
            except ET.ParseError as exc:
                if batch:
                    yield batch
                raise parse_error(exc) from None
            if batch:
                yield batch

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
                # (expat would only say "invalid token"); parse the good prefix first so that
                # any earlier XML error, and every record before the bad bytes, still come out.
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
                        exc = ArchiveError(
                            exc.message, line=exc.line + line_offset, column=exc.column
                        )
                    raise exc from None
            parser.feed(chunk)
            yield from drain()
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
        # The last bytes may complete some elements before the end turns out to be broken:
        # hand those over first, then report the error.
        error: ET.ParseError | None = None
        try:
            parser.close()
        except ET.ParseError as exc:
            error = exc
        yield from drain()
        if error is not None:
            raise parse_error(error) from None
