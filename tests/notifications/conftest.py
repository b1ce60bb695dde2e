"""Fixtures of the notification tests: a local HTTP receiver standing in for a partner's webhook and
for the SMS gateway, and a record of the dispatcher wake-ups that notify() enqueues after commit."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from email.message import Message as Headers
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from accounts.models import User
from notifications import tasks
from notifications.models import WebhookEndpoint

WEBHOOK_SECRET = "test-webhook-secret-0123456789"
GATEWAY_TOKEN = "test-gateway-token-abcdef"

# accounts.User gains its encrypted `phone` with the security work; until then SMS tests cannot run.
HAS_PHONE = any(f.name == "phone" for f in User._meta.get_fields())
needs_phone = pytest.mark.skipif(not HAS_PHONE, reason="accounts.User.phone comes with the security work")


@dataclass(frozen=True)
class Received:
    path: str
    headers: Headers  # case-insensitive, as the request sent them
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """What the local server received, and the HTTP statuses it answers with, in order (200 after)."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, path: str, headers: Headers, body: bytes) -> int:
        with self.lock:
            self.received.append(Received(path, headers, body))
            return self.answers.pop(0) if self.answers else 200


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = receiver.take(self.path, self.headers, body)
            answer = b'{"ok": true}' if status < 400 else b'{"error": "try later"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format, *args) -> None:  # keep the test output quiet
            pass

    return Handler


@pytest.fixture
def receiver():
    """A local HTTP server on 127.0.0.1 and an ephemeral port, in a thread, shut down afterwards."""
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield receiver
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(autouse=True)
def dispatcher_wakeups(monkeypatch) -> list[tuple]:
    """Calls of dispatch_due_notifications.delay(): the broker lies outside these tests."""
    calls: list[tuple] = []
    monkeypatch.setattr(tasks.dispatch_due_notifications, "delay", lambda *args: calls.append(args))
    return calls


@pytest.fixture
def justice_webhook(orgs, receiver) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        organization=orgs.justice_bureau, url=f"{receiver.url}/hook", secret=WEBHOOK_SECRET
    )


@pytest.fixture
def sms_gateway(settings, receiver) -> Receiver:
    settings.SMS_GATEWAY_URL = f"{receiver.url}/sms"
    settings.SMS_GATEWAY_TOKEN = GATEWAY_TOKEN
    return receiver


def give_email(user: User, address: str) -> User:
    User.objects.filter(pk=user.pk).update(email=address)
    user.refresh_from_db()
    return user


def give_phone(user: User, number: str) -> User:
    user.phone = number
    user.save()
    user.refresh_from_db()
    return user
