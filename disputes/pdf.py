"""The mediation agreement as a PDF (调解协议书): rendered by a worker with WeasyPrint, stored in private
storage and reused until the agreement changes (DESIGN.md §7).

The document goes to every party, state or not, so it carries the dispute, the parties and the
signatories and nothing of the detention record (DESIGN.md §5): no decision number, offence, cell or
release date. The HTML comes from a Django template with auto-escaping on, so text typed by a user is
always text; and the renderer may fetch nothing but the project's own static files (AgreementURLFetcher).
"""

from __future__ import annotations

import mimetypes
import posixpath
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .models import Agreement, LeadParty

# The document is rendered under this base address; the only URLs the fetcher answers are the static
# files below STATIC_PREFIX. ".invalid" never resolves (RFC 2606), and nothing here goes to a network.
STATIC_PREFIX = "https://agreement-pdf.invalid/static/"
TEMPLATE = "disputes/pdf/agreement.html"
# The legal document is written in Chinese whatever the language of the user who asked for it.
DOCUMENT_LANGUAGE = "zh-hans"
# Roles of the signatories who sign for the mediation organization rather than as a party.
NON_PARTY_ROLES = ("调解员", "人民调解员", "见证人", "记录人", "书记员")


class AgreementURLFetcher(URLFetcher):
    """Serves the project's own static files under STATIC_PREFIX and refuses everything else: http(s)
    elsewhere, file:, data:, ftp:. WeasyPrint logs a refused fetch and goes on without the resource."""

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        path = static_path_for(url)
        if path is None:
            raise ValueError(f"refused to fetch {url!r}: the agreement PDF loads only its own static files")
        mime_type, _encoding = mimetypes.guess_type(path.name)
        return URLFetcherResponse(
            url, body=path.read_bytes(), headers={"Content-Type": mime_type or "application/octet-stream"}
        )


def static_path_for(url: str) -> Path | None:
    """The file behind `url` when it names a static file under STATIC_PREFIX, else None."""
    if not url.startswith(STATIC_PREFIX):
        return None
    parts = urlsplit(url)
    relative = unquote(parts.path).removeprefix(urlsplit(STATIC_PREFIX).path)
    normalised = posixpath.normpath(relative)
    if not relative or normalised != relative or normalised.startswith(("/", "..")) or "\\" in relative:
        return None
    found = finders.find(normalised)
    if found:
        return Path(found)
    collected = Path(settings.STATIC_ROOT) / normalised
    if collected.is_file() and collected.resolve().is_relative_to(Path(settings.STATIC_ROOT).resolve()):
        return collected
    return None


@dataclass(frozen=True)
class Line:
    role: str
    name: str


def chinese_date(day: date) -> str:
    """2026-03-11 → 2026年3月11日, as official documents write it."""
    return f"{day.year}年{day.month}月{day.day}日"


def yuan(amount: Decimal | None) -> str:
    return "" if amount is None else f"¥{amount:,.2f}"


def agreement_context(agreement: Agreement) -> dict:
    """What the template shows. Signatories are read after the agreement: should the agreement change
    in between, its revision changes too and store_agreement_pdf throws this rendering away."""
    lead = agreement.lead
    signatories = [Line(s.role, s.name) for s in agreement.signatories.all()]
    parties = [line for line in signatories if line.role not in NON_PARTY_ROLES]
    named = {line.name for line in parties}
    for party in lead.parties.all():
        if party.name not in named:
            parties.append(Line(LeadParty.Side(party.side).label, party.name))
            named.add(party.name)
    return {
        "number": agreement.number,
        "organization": lead.detention.facility.name,
        "category": lead.get_category_display(),
        "parties": parties,
        "facts": agreement.facts,
        "terms": agreement.terms,
        "agreed_amount": yuan(agreement.agreed_amount),
        "paid_amount": yuan(agreement.paid_amount),
        "signatories": signatories,
        "signed_on": chinese_date(agreement.signed_on),
    }


def render_context(context: dict) -> bytes:
    """The PDF of the agreement template with `context`."""
    with translation.override(DOCUMENT_LANGUAGE):
        html = render_to_string(TEMPLATE, context)
    return render_html(html)


def render_html(html: str, *, extra_css: str = "") -> bytes:
    """WeasyPrint on `html` with the fetcher that loads only the project's static files. `extra_css` is
    the project's own CSS, never user input, applied as a user stylesheet (its !important rules win
    over the template's); bench/agreement_pdf.py uses it to swap the font."""
    fetcher = AgreementURLFetcher()
    stylesheets = [CSS(string=extra_css, url_fetcher=fetcher)] if extra_css else None
    return HTML(string=html, base_url=STATIC_PREFIX, url_fetcher=fetcher).write_pdf(stylesheets=stylesheets)


def render_agreement(agreement: Agreement) -> bytes:
    return render_context(agreement_context(agreement))


def pdf_name(agreement_id: int, revision: int) -> str:
    return f"agreements/{agreement_id}-r{revision}.pdf"


def store_agreement_pdf(agreement_id: int) -> None:
    """Render and store the PDF of the agreement's current revision, unless it is already stored.

    Idempotent and safe with two workers: the new file is recorded with a conditional UPDATE on the
    revision that was rendered and on the file seen before rendering, so a rendering of an older
    revision never replaces a newer one, and of two workers rendering the same revision one wins and
    the other removes its own file.
    """
    agreement = Agreement.objects.select_related("lead__detention__facility").filter(pk=agreement_id).first()
    if agreement is None:
        return
    storage = Agreement._meta.get_field("pdf").storage
    previous = agreement.pdf.name or ""
    if agreement.pdf_is_current and storage.exists(previous):
        return
    revision = agreement.revision
    content = render_agreement(agreement)
    saved = storage.save(pdf_name(agreement.pk, revision), ContentFile(content))
    won = Agreement.objects.filter(pk=agreement.pk, revision=revision, pdf=previous).update(
        pdf=saved, pdf_revision=revision
    )
    if not won:
        storage.delete(saved)
    elif previous and previous != saved:
        storage.delete(previous)
