"""What a case document's file may be: a PDF, a JPEG or a PNG, told by parsing the whole file.

The first bytes only say which type a file claims; a PDF or JPEG header followed by HTML claims one and
is another (a polyglot). So the whole file is read as the type it claims (QUALITY.md R11):
- images with Pillow, restricted to the claimed format: opened, verified, decoded; and their structure
  walked here to the image's end (PNG: every chunk's CRC up to IEND; JPEG: every segment and the
  entropy-coded data up to EOI), with nothing allowed after it;
- PDFs with the strict structural check below, as no PDF parser is installed (pypdf would be a new
  dependency, and it tolerates data after %%EOF anyway): the header at byte 0, "startxref" and "%%EOF"
  as the file's last bytes, the cross-reference section it points to (a table or a compressed stream,
  and the earlier ones named by /Prev), each of whose objects must start where it says, and the
  trailer's /Root among them. This is the frame a PDF reader trusts; it does not decode pages.
- in every type, no HTML tag or script marker anywhere in the bytes, and in a PDF no JavaScript or
  launch action (in the file's plain bytes: names inside compressed object streams are not seen).
"""

from __future__ import annotations

import io
import re
import struct
import warnings
import zlib

SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)
EXTENSIONS = {content_type: extension for _signature, content_type, extension in SIGNATURES}
NAMES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}

# A page scanned at 600 dpi (A4: 35 million pixels) passes; decoding a larger image costs memory only.
MAX_PIXELS = 40_000_000
# HTML that a browser would render, wherever it sits in the file (a comment, metadata, after the end).
HTML_MARKERS = re.compile(
    rb"<(?:!doctype|html|head|body|script|iframe|frame|object|embed|svg|img|meta|link|style|form)\b"
    rb"|javascript:",
    re.IGNORECASE,
)
PDF_ACTIONS = re.compile(rb"/(?:JavaScript|JS|Launch)(?=[\s/<>\[\]()%{}]|$)")


class NotADocument(ValueError):
    """The file is not a complete, clean file of the type it claims; the message says what is wrong."""


def claimed_type(head: bytes) -> str | None:
    """The content type a file starting with `head` claims, or None when it is not a PDF, JPEG or PNG."""
    for signature, content_type, _extension in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def check(data: bytes, content_type: str) -> None:
    """NotADocument unless `data` is, from its first byte to its last, a file of `content_type`."""
    if HTML_MARKERS.search(data):
        raise NotADocument("HTML or script in the file")
    if content_type == "application/pdf":
        check_pdf(data)
    elif content_type == "image/png":
        check_image(data, "PNG", png_end(data))
    elif content_type == "image/jpeg":
        check_image(data, "JPEG", jpeg_end(data))
    else:
        raise NotADocument(f"not a document type: {content_type}")


# --- images -------------------------------------------------------------------------------------------


def check_image(data: bytes, format_name: str, end: int) -> None:
    from PIL import Image

    if end != len(data):
        raise NotADocument(f"{len(data) - end} bytes after the image's end")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[format_name]) as image:
                image.verify()
            with Image.open(io.BytesIO(data), formats=[format_name]) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise NotADocument(f"{width}x{height} pixels")
                image.load()
    except NotADocument:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise NotADocument(f"Pillow: {error}") from None


def png_end(data: bytes) -> int:
    """The offset just after the IEND chunk, every chunk's CRC checked on the way."""
    offset = 8
    first = True
    while True:
        if offset + 12 > len(data):
            raise NotADocument("PNG ends before IEND")
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        end = offset + 12 + length
        if end > len(data):
            raise NotADocument("PNG chunk runs past the end")
        if first and kind != b"IHDR":
            raise NotADocument("PNG does not start with IHDR")
        first = False
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(data[offset + 4 : end - 4]) != crc:
            raise NotADocument(f"bad CRC in PNG chunk {kind!r}")
        if kind == b"IEND":
            return end
        offset = end


# JPEG markers without a length: TEM, RST0–7 (SOI and EOI are handled apart).
JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}


def jpeg_end(data: bytes) -> int:
    """The offset just after the EOI marker, walking the segments and the entropy-coded data."""
    offset = 2  # after SOI
    while True:
        if offset + 2 > len(data) or data[offset] != 0xFF:
            raise NotADocument(f"no JPEG marker at {offset}")
        while offset + 1 < len(data) and data[offset + 1] == 0xFF:  # fill bytes
            offset += 1
        if offset + 2 > len(data):
            raise NotADocument("JPEG ends inside a marker")
        marker = data[offset + 1]
        if marker == 0xD9:
            return offset + 2
        if marker in JPEG_STANDALONE:
            offset += 2
            continue
        if marker in (0x00, 0xD8) or offset + 4 > len(data):
            raise NotADocument(f"bad JPEG marker {marker:#x} at {offset}")
        (length,) = struct.unpack(">H", data[offset + 2 : offset + 4])
        offset += 2 + length
        if length < 2 or offset > len(data):
            raise NotADocument("JPEG segment runs past the end")
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next marker that is not RSTn
            offset = scan_end(data, offset)


def scan_end(data: bytes, offset: int) -> int:
    while True:
        offset = data.find(b"\xff", offset)
        if offset == -1 or offset + 1 >= len(data):
            raise NotADocument("JPEG ends inside the image data")
        following = data[offset + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            offset += 1 if following == 0xFF else 2
            continue
        return offset


# --- PDF ----------------------------------------------------------------------------------------------

WS = rb"[\0\t\n\f\r ]"  # PDF white space
PDF_HEADER = re.compile(rb"%PDF-(?:1\.[0-7]|2\.0)[\t\r\n ]")
PDF_TAIL = re.compile(rb"startxref[\r\n ]+(\d+)[\r\n ]+%%EOF[\r\n ]*\Z")
OBJECT_HEADER = re.compile(rb"(\d+)" + WS + rb"+(\d+)" + WS + rb"+obj\b")
XREF_SUBSECTION = re.compile(rb"[\r\n ]*(\d+) (\d+)[ ]*(?:\r\n|\r|\n)")
XREF_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])(?: \r| \n|\r\n)")
TRAILER = re.compile(rb"[\r\n ]*trailer[\r\n ]*<<(.*?)>>[\r\n ]*startxref", re.DOTALL)
ROOT = re.compile(rb"/Root" + WS + rb"+(\d+)" + WS + rb"+(\d+)" + WS + rb"+R")
PREV = re.compile(rb"/Prev" + WS + rb"+(\d+)")
# The cross-reference stream's dictionary (its values are direct objects: PDF 32000-1 7.5.8.2).
XREF_TYPE = re.compile(rb"/Type" + WS + rb"*/XRef\b")
XREF_LENGTH = re.compile(rb"/Length" + WS + rb"+(\d+)(?!" + WS + rb"+\d+" + WS + rb"+R)")
XREF_WIDTHS = re.compile(rb"/W" + WS + rb"*\[" + WS + rb"*(\d)" + WS + rb"+(\d)" + WS + rb"+(\d)" + WS + rb"*\]")
XREF_INDEX = re.compile(rb"/Index" + WS + rb"*\[([\d\0\t\n\f\r ]*)\]")
XREF_FILTERS = re.compile(rb"/Filter" + WS + rb"*\[?" + WS + rb"*/(\w+)" + WS + rb"*\]?")
XREF_PREDICTOR = re.compile(rb"/Predictor" + WS + rb"+(\d+)")
SIZE = re.compile(rb"/Size" + WS + rb"+(\d+)")
MAX_XREF_SECTIONS = 1000  # incremental updates: each adds one section
MAX_XREF_STREAM_BYTES = 16 * 1024 * 1024


def check_pdf(data: bytes) -> None:
    if not PDF_HEADER.match(data):
        raise NotADocument("no PDF header at byte 0")
    if PDF_ACTIONS.search(data):
        raise NotADocument("PDF with JavaScript or a launch action")
    tail = PDF_TAIL.search(data, max(0, len(data) - 1024))
    if tail is None:
        raise NotADocument("the file does not end with startxref and %%EOF")
    objects: dict[int, tuple[int, int]] = {}  # number → (generation, offset), the newest section first
    stored_in_streams: dict[int, int] = {}  # number → object stream holding it
    root = None
    offset, seen = int(tail.group(1)), set()
    while offset is not None:
        if offset in seen or len(seen) >= MAX_XREF_SECTIONS:
            raise NotADocument("a loop in the cross-reference sections")
        seen.add(offset)
        if data.startswith(b"xref", offset):
            entries, dictionary = xref_table(data, offset)
        else:
            entries, dictionary = xref_stream(data, offset)
        for number, (kind, first, second) in entries.items():
            if number in objects or number in stored_in_streams or kind == 0:
                continue
            if kind == 1:
                objects[number] = (second, first)
            else:
                stored_in_streams[number] = first
        if root is None and (found := ROOT.search(dictionary)):
            root = int(found.group(1))
        prev = PREV.search(dictionary)
        offset = int(prev.group(1)) if prev else None
    for number, (generation, at) in objects.items():
        header = OBJECT_HEADER.match(data, at)
        if header is None or (int(header.group(1)), int(header.group(2))) != (number, generation):
            raise NotADocument(f"object {number} is not where the cross-reference says")
    for number, stream in stored_in_streams.items():
        if stream not in objects:
            raise NotADocument(f"object {number} is in a missing object stream")
    if root is None or (root not in objects and root not in stored_in_streams):
        raise NotADocument("no document catalog (/Root)")


def xref_table(data: bytes, offset: int) -> tuple[dict, bytes]:
    """A classic cross-reference table at `offset` and its trailer dictionary."""
    entries: dict[int, tuple[int, int, int]] = {}
    position = offset + 4
    while subsection := XREF_SUBSECTION.match(data, position):
        first, count = int(subsection.group(1)), int(subsection.group(2))
        position = subsection.end()
        for number in range(first, first + count):
            entry = XREF_ENTRY.match(data, position)
            if entry is None:
                raise NotADocument("a broken cross-reference table")
            position = entry.end()
            if entry.group(3) == b"n":
                entries[number] = (1, int(entry.group(1)), int(entry.group(2)))
    trailer = TRAILER.match(data, position)
    if not entries or trailer is None:
        raise NotADocument("a cross-reference table without entries or trailer")
    return entries, trailer.group(1)


def xref_stream(data: bytes, offset: int) -> tuple[dict, bytes]:
    """A cross-reference stream (PDF 1.5) at `offset`: its entries and its dictionary."""
    header = OBJECT_HEADER.match(data, offset)
    if header is None:
        raise NotADocument("startxref points at neither a table nor a stream")
    start = data.find(b"stream", header.end())
    dictionary = data[header.end() : start] if start != -1 else b""
    if not XREF_TYPE.search(dictionary):
        raise NotADocument("startxref points at an object that is not a cross-reference stream")
    length, widths, size = XREF_LENGTH.search(dictionary), XREF_WIDTHS.search(dictionary), SIZE.search(dictionary)
    if not (length and widths and size):
        raise NotADocument("a cross-reference stream without /Length, /W or /Size")
    body_start = start + len(b"stream") + (2 if data.startswith(b"\r\n", start + 6) else 1)
    body_end = body_start + int(length.group(1))
    if not re.match(rb"[\r\n]*endstream[\r\n ]*endobj", data[body_end : body_end + 32]):
        raise NotADocument("a cross-reference stream of the wrong length")
    rows = xref_stream_rows(data[body_start:body_end], dictionary, sum(int(w) for w in widths.groups()))
    index = XREF_INDEX.search(dictionary)
    numbers = [int(n) for n in index.group(1).split()] if index else [0, int(size.group(1))]
    if len(numbers) % 2:
        raise NotADocument("a cross-reference stream with an odd /Index")
    objects = [n for first, count in zip(numbers[::2], numbers[1::2], strict=True) for n in range(first, first + count)]
    if len(objects) != len(rows):
        raise NotADocument("a cross-reference stream with the wrong number of entries")
    entries = {}
    w1, w2, w3 = (int(w) for w in widths.groups())
    for number, row in zip(objects, rows, strict=True):
        kind = int.from_bytes(row[:w1], "big") if w1 else 1
        entries[number] = (kind, int.from_bytes(row[w1 : w1 + w2], "big"), int.from_bytes(row[w1 + w2 :], "big"))
        if kind > 2:
            raise NotADocument("a cross-reference entry of an unknown type")
    return entries, dictionary


def xref_stream_rows(body: bytes, dictionary: bytes, width: int) -> list[bytes]:
    filters = XREF_FILTERS.findall(dictionary)
    if filters and filters != [b"FlateDecode"]:
        raise NotADocument("a cross-reference stream with an unexpected filter")
    if filters:
        inflate = zlib.decompressobj()
        try:
            body = inflate.decompress(body, MAX_XREF_STREAM_BYTES)
        except zlib.error as error:
            raise NotADocument(f"a broken cross-reference stream: {error}") from None
        if inflate.unconsumed_tail:
            raise NotADocument("a cross-reference stream too large")
    predictor = XREF_PREDICTOR.search(dictionary)
    if predictor and int(predictor.group(1)) >= 10:
        return png_unpredict(body, width)
    if predictor and int(predictor.group(1)) != 1:
        raise NotADocument("a cross-reference stream with an unexpected predictor")
    if width == 0 or len(body) % width:
        raise NotADocument("a cross-reference stream of a partial row")
    return [body[at : at + width] for at in range(0, len(body), width)]


def png_unpredict(body: bytes, width: int) -> list[bytes]:
    """Undo the PNG row filters (one byte per pixel), as PDF writers apply to cross-reference streams."""
    if len(body) % (width + 1):
        raise NotADocument("a cross-reference stream of a partial row")
    rows, previous = [], bytes(width)
    for at in range(0, len(body), width + 1):
        kind, raw = body[at], bytearray(body[at + 1 : at + 1 + width])
        for i in range(width):
            left = raw[i - 1] if i else 0
            up, up_left = previous[i], previous[i - 1] if i else 0
            if kind == 1:
                raw[i] = (raw[i] + left) & 0xFF
            elif kind == 2:
                raw[i] = (raw[i] + up) & 0xFF
            elif kind == 3:
                raw[i] = (raw[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                raw[i] = (raw[i] + paeth(left, up, up_left)) & 0xFF
            elif kind != 0:
                raise NotADocument("a cross-reference stream with an unknown row filter")
        rows.append(bytes(raw))
        previous = raw
    return rows


def paeth(left: int, up: int, up_left: int) -> int:
    estimate = left + up - up_left
    distances = (abs(estimate - left), abs(estimate - up), abs(estimate - up_left))
    if distances[0] <= distances[1] and distances[0] <= distances[2]:
        return left
    return up if distances[1] <= distances[2] else up_left
