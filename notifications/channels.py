"""Sending one delivery on its channel: e-mail, the SMS gateway, an organization's webhook.

A sender returns when the other side accepted the notice and raises DeliveryError when another
attempt may succeed (a timeout, an HTTP 500), Undeliverable when none can (no address). It talks only
to the configured addresses: SMS_GATEWAY_URL and the organization's WebhookEndpoint.url, with no
redirects followed. Delivery is at least once (a worker may die between sending and recording), so
every request carries the delivery's id for the receiver to drop repeats.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from .models import Channel, Delivery, WebhookEndpoint

ERROR_DETAIL_LENGTH = 300


class DeliveryError(Exception):
    """This attempt failed; a later one may succeed."""


class Undeliverable(Exception):
    """No attempt can succeed, so the delivery fails at once."""


def send(delivery: Delivery) -> None:
    SENDERS[delivery.channel](delivery)


def send_email(delivery: Delivery) -> None:
    address = delivery.recipient.email
    if not address:
        raise Undeliverable("the recipient has no e-mail address")
    try:
        send_mail(delivery.subject, delivery.body, None, [address])
    except OSError as exc:  # smtplib's errors and socket errors are all OSErrors
        raise DeliveryError(f"e-mail: {exc}") from exc


def send_sms(delivery: Delivery) -> None:
    if not settings.SMS_GATEWAY_URL:
        raise Undeliverable("SMS_GATEWAY_URL is not configured")
    # The phone number is read now, from the user's encrypted field, and never stored on the row.
    phone = getattr(delivery.recipient, "phone", "") or ""
    if not phone:
        raise Undeliverable("the recipient has no phone number")
    headers = {}
    if settings.SMS_GATEWAY_TOKEN:
        headers["Authorization"] = f"Bearer {settings.SMS_GATEWAY_TOKEN}"
    message = {"id": delivery.pk, "phone": phone, "content": _text(delivery)}
    post_json(settings.SMS_GATEWAY_URL, _encode(message), headers)


def send_webhook(delivery: Delivery) -> None:
    endpoint = WebhookEndpoint.objects.filter(organization_id=delivery.organization_id, is_active=True).first()
    if endpoint is None:
        raise Undeliverable("the organization has no active webhook endpoint")
    body = _encode(webhook_message(delivery))
    post_json(endpoint.url, body, {"X-Signature": f"sha256={signature(endpoint.secret, body)}"})


def webhook_message(delivery: Delivery) -> dict:
    """A text message in the shape group robots of government messaging apps (浙政钉) accept,
    with the event's fields beside it for a receiving system."""
    return {
        "msgtype": "text",
        "text": {"content": _text(delivery)},
        "id": delivery.pk,
        "event": delivery.kind,
        "created_at": timezone.localtime(delivery.created_at),
        "data": delivery.payload,
    }


def signature(secret: str, body: bytes) -> str:
    """HMAC-SHA256 of the exact request body, hex; the receiver recomputes it with the shared secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


SENDERS = {Channel.EMAIL: send_email, Channel.SMS: send_sms, Channel.WEBHOOK: send_webhook}


# --- HTTP ------------------------------------------------------------------------------------------


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would send the notice, and the token, to an address nobody configured.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_RefuseRedirects)


def post_json(url: str, body: bytes, headers: dict[str, str]) -> None:
    """POST `body` to `url`; DeliveryError unless the answer is 2xx within the timeout."""
    if urlsplit(url).scheme not in {"http", "https"}:
        raise Undeliverable("only http and https addresses are allowed")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "yaoyao-mediation", **headers},
    )
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            response.read(ERROR_DETAIL_LENGTH)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}: {_answer_start(exc)}".strip()) from exc
    except urllib.error.URLError as exc:
        raise DeliveryError(f"network: {exc.reason}") from exc
    except OSError as exc:  # a timeout or a reset while reading the answer
        raise DeliveryError(f"network: {exc}") from exc


def _answer_start(error: urllib.error.HTTPError) -> str:
    # The start of the receiver's answer says why it refused; the rest is not needed.
    try:
        return error.read(ERROR_DETAIL_LENGTH).decode("utf-8", "replace")
    except (OSError, ValueError, AttributeError):
        return ""
    finally:
        error.close()


def _encode(message: dict) -> bytes:
    return json.dumps(message, cls=DjangoJSONEncoder, ensure_ascii=False).encode()


def _text(delivery: Delivery) -> str:
    return f"{delivery.subject}\n{delivery.body}".strip()
