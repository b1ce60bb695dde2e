"""Documents: the type is told by the content, the size is limited, and a file leaves the server only
through the permission-checked, logged download view."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AccessLog
from detainees.models import Detention, Document

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


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
