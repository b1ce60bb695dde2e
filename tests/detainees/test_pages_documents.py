"""Documents: the type is told by the content, the size is limited, and a file leaves the server only
through the permission-checked, logged download view."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AccessLog
from detainees.models import Detention, Document

from . import document_files
from .document_files import HTML

PDF = document_files.pdf()
PNG = document_files.png()
JPEG = document_files.jpeg()


@pytest.fixture
def detention(make_detention, officer_a, private_media, frozen_now) -> Detention:
    return make_detention(responsible_officer=officer_a)


def upload(client, detention: Detention, name: str, content: bytes, content_type: str = "application/pdf"):
    return client.post(
        f"/detainees/{detention.pk}/documents/",
        {"kind": "decision_notice", "title": "拘留决定书", "file": SimpleUploadedFile(name, content, content_type)},
    )


@pytest.mark.parametrize(
    "name, content, content_type",
    [
        pytest.param("notice.pdf", PDF, "application/pdf", id="pdf"),
        pytest.param("photo.png", PNG, "image/png", id="png"),
        pytest.param("scan.jpg", JPEG, "image/jpeg", id="jpeg"),
        # The declared type and the name do not matter, only the content.
        pytest.param("scan.bin", PNG, "application/octet-stream", id="png-named-bin"),
    ],
)
def test_it_accepts_pdf_png_and_jpeg_by_their_content(
    detention, officer_a, client_for, private_media, name, content, content_type
):
    response = upload(client_for(officer_a), detention, name, content, content_type)

    assert response.status_code == 302
    assert response["Location"] == f"/detainees/{detention.pk}/#documents"
    document = Document.objects.get()
    expected_type = {PDF: "application/pdf", PNG: "image/png", JPEG: "image/jpeg"}[content]
    assert (document.content_type, document.size, document.sha256) == (
        expected_type,
        len(content),
        hashlib.sha256(content).hexdigest(),
    )
    assert (document.uploaded_by, document.title) == (officer_a, "拘留决定书")
    # Stored under a random name that keeps nothing of the sender's.
    assert document.file.name.startswith("documents/") and name.split(".")[0] not in document.file.name
    assert private_media.exists(document.file.name)


@pytest.mark.parametrize(
    "name, content",
    [
        pytest.param("notice.pdf", "这不是 PDF，只是改了扩展名的文本".encode(), id="text-renamed-pdf"),
        pytest.param("notice.pdf", b"GIF89a\x01\x00\x01\x00%PDF-1.4 <script>alert(1)</script>", id="gif-polyglot"),
        pytest.param("notice.pdf", b"<html><body><script>alert(1)</script>%PDF-1.4</body></html>", id="html"),
        pytest.param("notice.png", b" %PDF-1.4 leading space", id="signature-not-at-start"),
        pytest.param("notice.pdf", b"", id="empty"),
    ],
)
def test_it_refuses_other_content_whatever_the_name(detention, officer_a, client_for, private_media, name, content):
    response = upload(client_for(officer_a), detention, name, content)

    assert response.status_code == 200
    errors = response.context["document_form"].errors["file"]
    assert any("PDF、JPEG 或 PNG" in error or "提交的是空文件" in error for error in errors), errors
    assert not Document.objects.exists()
    assert not private_media.exists("documents") or private_media.listdir("documents") == ([], [])


def test_it_refuses_an_oversize_file(detention, officer_a, client_for, settings):
    settings.DOCUMENT_MAX_BYTES = 1024

    response = upload(client_for(officer_a), detention, "big.pdf", PDF + b"0" * 1024)

    assert response.status_code == 200
    assert response.context["document_form"].errors["file"] == ["文件过大：不能超过 1.0\xa0KB"]
    assert not Document.objects.exists()
    assert upload(client_for(officer_a), detention, "small.pdf", PDF).status_code == 302


def test_the_download_is_an_attachment_with_nosniff_and_is_logged(detention, officer_a, client_for):
    client = client_for(officer_a)
    upload(client, detention, "notice.pdf", PDF)
    document = Document.objects.get()

    response = client.get(f"/detainees/{detention.pk}/documents/{document.pk}/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E6%8B%98%E7%95%99%E5%86%B3%E5%AE%9A%E4%B9%A6.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    log = AccessLog.objects.get()
    assert (log.action, log.user, log.object_id) == (AccessLog.Action.DOWNLOAD_DOCUMENT, officer_a, str(document.pk))


def test_no_other_url_reaches_the_files(detention, officer_a, officer_b, client_for):
    client = client_for(officer_a)
    upload(client, detention, "notice.pdf", PDF)
    document = Document.objects.get()
    stored_name = document.file.name  # documents/<random hex>

    for guess in [f"/media/{stored_name}", f"/{stored_name}", f"/static/../media/{stored_name}", "/media/"]:
        assert client.get(guess).status_code == 404, guess
    assert client_for(officer_b).get(f"/detainees/{detention.pk}/documents/{document.pk}/").status_code == 404
    assert not AccessLog.objects.exists()


def test_a_document_of_another_detention_is_404_under_this_one(detention, make_detention, officer_a, client_for, orgs):
    client = client_for(officer_a)
    upload(client, detention, "notice.pdf", PDF)
    document = Document.objects.get()
    other = make_detention(id_number="330281199001011243", name="钱芳")

    assert client.get(f"/detainees/{other.pk}/documents/{document.pk}/").status_code == 404


def test_the_detail_lists_the_documents_with_their_download_link(detention, officer_a, client_for):
    client = client_for(officer_a)
    upload(client, detention, "notice.pdf", PDF)
    document = Document.objects.get()

    html = client.get(f"/detainees/{detention.pk}/").content.decode()

    assert f'href="/detainees/{detention.pk}/documents/{document.pk}/"' in html
    assert document.file.name not in html
    assert 'enctype="multipart/form-data"' in html


# --- the whole file is parsed as the type it claims (QUALITY.md R11) ------------------------------------


def refused_for_content(response, type_name: str, private_media) -> None:
    assert response.status_code == 200
    assert response.context["document_form"].errors["file"] == [
        f"文件不是完整有效的 {type_name} 文件（已损坏或夹带其他内容），未保存"
    ]
    assert not Document.objects.exists()
    assert not private_media.exists("documents") or private_media.listdir("documents") == ([], [])


@pytest.mark.parametrize(
    "name, content, type_name",
    [
        # The findings: a PDF header followed by HTML, a JPEG header followed by HTML.
        pytest.param("notice.pdf", b"%PDF-1.4\n" + HTML, "PDF", id="pdf-header-then-html"),
        pytest.param("scan.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + HTML, "JPEG", id="jpeg-header-then-html"),
        # Complete files with HTML (or anything) after their end.
        pytest.param("notice.pdf", PDF + HTML, "PDF", id="pdf-then-html"),
        pytest.param("notice.pdf", document_files.weasyprint_pdf() + b"\n" + HTML, "PDF", id="pdf-1.7-then-html"),
        pytest.param("notice.pdf", PDF + b"MZ\x90\x00 rest of a program", "PDF", id="pdf-then-bytes"),
        pytest.param("scan.jpg", JPEG + HTML, "JPEG", id="jpeg-then-html"),
        pytest.param("scan.jpg", JPEG + b"PK\x03\x04 a zip archive", "JPEG", id="jpeg-then-zip"),
        pytest.param("photo.png", PNG + HTML, "PNG", id="png-then-html"),
        pytest.param("photo.png", PNG + b"\x00\x00", "PNG", id="png-then-bytes"),
        # HTML inside an otherwise valid file (a JPEG comment, a PDF comment).
        pytest.param("scan.jpg", JPEG[:2] + b"\xff\xfe\x00\x45" + HTML + JPEG[2:], "JPEG", id="jpeg-html-comment"),
        pytest.param("notice.pdf", PDF.replace(b"\n", b"\n%" + HTML + b"\n", 1), "PDF", id="pdf-html-comment"),
        # The type's frame is broken or missing.
        pytest.param("notice.pdf", b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n", "PDF", id="pdf-no-xref"),
        pytest.param("notice.pdf", PDF.replace(b"0 obj", b"0 job", 1), "PDF", id="pdf-object-not-at-offset"),
        pytest.param("notice.pdf", PDF[:-20], "PDF", id="pdf-truncated"),
        pytest.param("notice.pdf", document_files.pdf_with_javascript(), "PDF", id="pdf-javascript"),
        pytest.param("scan.jpg", JPEG[:-2], "JPEG", id="jpeg-without-eoi"),
        pytest.param("scan.jpg", JPEG[: len(JPEG) // 2] + b"\xff\xd9", "JPEG", id="jpeg-cut-short"),
        pytest.param("photo.png", PNG[:-12], "PNG", id="png-without-iend"),
        pytest.param("photo.png", PNG[:40] + bytes([PNG[40] ^ 0xFF]) + PNG[41:], "PNG", id="png-bad-crc"),
    ],
)
def test_it_refuses_a_file_that_is_not_wholly_the_type_it_claims(
    detention, officer_a, client_for, private_media, name, content, type_name
):
    response = upload(client_for(officer_a), detention, name, content)

    refused_for_content(response, type_name, private_media)


@pytest.mark.parametrize(
    "content, content_type",
    [
        pytest.param(document_files.weasyprint_pdf(), "application/pdf", id="pdf-1.7-xref-stream"),
        pytest.param(document_files.pillow_pdf(), "application/pdf", id="pdf-of-an-image"),
        pytest.param(document_files.pdf_with_update(PDF), "application/pdf", id="pdf-incremental-update"),
        pytest.param(document_files.jpeg(progressive=True), "image/jpeg", id="progressive-jpeg"),
    ],
)
def test_it_accepts_real_files_of_other_makes(detention, officer_a, client_for, private_media, content, content_type):
    response = upload(client_for(officer_a), detention, "file", content)

    assert response.status_code == 302
    assert Document.objects.get().content_type == content_type


def test_an_oversize_image_is_refused_before_it_is_decoded(detention, officer_a, client_for, private_media, settings):
    from detainees import document_files as checks

    settings.DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
    original = checks.MAX_PIXELS
    checks.MAX_PIXELS = 48 * 32 - 1
    try:
        response = upload(client_for(officer_a), detention, "photo.png", PNG)
    finally:
        checks.MAX_PIXELS = original

    refused_for_content(response, "PNG", private_media)


# --- control and bidirectional characters never reach a file name ----------------------------------------

RIGHT_TO_LEFT_OVERRIDE = "\u202e"


def test_bidi_and_control_characters_are_stripped_from_the_title_and_the_download_name(
    detention, officer_a, client_for
):
    client = client_for(officer_a)
    # Shown as "标题fdp.exe.jpg" when the override is kept, though the file is a PDF.
    title = "标题\u202egpj.exe\u200f\u2066\u0007\t决定书\u2028"

    response = client.post(
        f"/detainees/{detention.pk}/documents/",
        {"kind": "decision_notice", "title": title, "file": SimpleUploadedFile("x.pdf", PDF, "application/pdf")},
    )

    assert response.status_code == 302
    document = Document.objects.get()
    assert document.title == "标题gpj.exe 决定书"
    download = client.get(f"/detainees/{detention.pk}/documents/{document.pk}/")
    disposition = download["Content-Disposition"]
    assert disposition == "attachment; filename*=utf-8''%E6%A0%87%E9%A2%98gpj.exe%20%E5%86%B3%E5%AE%9A%E4%B9%A6.pdf"


def test_a_title_stored_before_loses_its_controls_in_the_download_name(detention, officer_a, client_for):
    client = client_for(officer_a)
    upload(client, detention, "notice.pdf", PDF)
    document = Document.objects.get()
    Document.objects.filter(pk=document.pk).update(title=f"标题{RIGHT_TO_LEFT_OVERRIDE}gpj.exe")

    disposition = client.get(f"/detainees/{detention.pk}/documents/{document.pk}/")["Content-Disposition"]

    assert "%E2%80%AE" not in disposition  # U+202E, percent-encoded
    assert disposition == "attachment; filename*=utf-8''%E6%A0%87%E9%A2%98gpj.exe.pdf"


def test_a_title_of_only_invisible_characters_is_refused(detention, officer_a, client_for, private_media):
    response = client_for(officer_a).post(
        f"/detainees/{detention.pk}/documents/",
        {
            "kind": "decision_notice",
            "title": "\u202e\u200b\u2066",
            "file": SimpleUploadedFile("x.pdf", PDF, "application/pdf"),
        },
    )

    assert response.status_code == 200
    assert "请填写标题" in response.content.decode()
    assert not Document.objects.exists()
