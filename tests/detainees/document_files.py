"""Small case-document files for the upload tests, built here: real PDFs, PNGs and JPEGs, and the
polyglots and damaged files that are refused."""

from __future__ import annotations

import io
import re

from PIL import Image

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


PAGES = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
]


def image(format_name: str, **options) -> bytes:
    buffer = io.BytesIO()
    picture = Image.new("RGB", (48, 32), (180, 40, 40))
    picture.paste((20, 90, 200), (0, 0, 24, 16))
    picture.save(buffer, format_name, **options)
    return buffer.getvalue()


def png() -> bytes:
    return image("PNG")


def jpeg(*, progressive: bool = False) -> bytes:
    return image("JPEG", quality=80, progressive=progressive)


def pdf() -> bytes:
    """A small one-page PDF (an empty page) with a classic cross-reference table."""
    return pdf_of_objects(PAGES)


def pillow_pdf() -> bytes:
    """A one-page PDF holding an image, as Pillow writes it."""
    return image("PDF")


def weasyprint_pdf() -> bytes:
    """A PDF 1.7 with compressed object and cross-reference streams, as WeasyPrint writes them."""
    import weasyprint

    return weasyprint.HTML(string="<p>拘留决定书</p>").write_pdf()


def pdf_of_objects(objects: list[bytes], *, root: int = 1) -> bytes:
    """A PDF of the given object bodies (object n is objects[n - 1]) with an exact cross-reference table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    table = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, table)
    return bytes(out)


def pdf_with_javascript() -> bytes:
    """Well formed, but opens with a script."""
    catalog = b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>"
    action = b"<< /Type /Action /S /JavaScript /JS (app.alert(1)) >>"
    return pdf_of_objects([catalog, *PAGES[1:], action])


def pdf_with_update(original: bytes) -> bytes:
    """`original` with an incremental update (a new info object and a section whose /Prev is the old one)."""
    previous = int(re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", original).group(1))
    size = int(re.search(rb"/Size (\d+)", original).group(1))
    out = bytearray(original)
    info = len(out)
    out += b"%d 0 obj\n<< /Title (Updated) >>\nendobj\n" % size
    table = len(out)
    out += b"xref\n%d 1\n%010d 00000 n \n" % (size, info)
    root = re.search(rb"/Root \d+ \d+ R", original).group(0)
    out += b"trailer\n<< /Size %d %s /Info %d 0 R /Prev %d >>\n" % (size + 1, root, size, previous)
    out += b"startxref\n%d\n%%%%EOF\n" % table
    return bytes(out)
