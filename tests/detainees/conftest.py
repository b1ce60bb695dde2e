"""Fixtures of the detainees tests. Shared by several test modules: add fixtures, do not change them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.storage import FileSystemStorage

from detainees import identity, services
from detainees.models import Detention, Document, Person

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Valid resident ID numbers (check digits computed independently in test_identity.py).
ID_MAN = "330281198503151233"  # born 1985-03-15, male (sequence 123 is odd)
ID_WOMAN = "330281199001011243"  # born 1990-01-01, female (sequence 124 is even)
ID_OTHER = "33028119630412345X"  # born 1963-04-12, male, check character X
PHONE = "13812341234"

# A fixed "now" for the detainees tests: admissions before it are in the past.
FIXED_NOW = datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)


def local(*args: int) -> datetime:
    """local(2026, 3, 2, 15, 0) -> an aware datetime in Asia/Shanghai."""
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def make_detention(orgs):
    """make_detention(facility=..., id_number=..., admitted_at=..., ...) -> a Detention made through
    services.record_intake, with fixed values; `now` defaults to FIXED_NOW."""

    def make(
        *,
        facility=None,
        id_type: str = Person.IdType.RESIDENT_ID,
        id_number: str = ID_MAN,
        name: str = "赵建军",
        phone: str = PHONE,
        admitted_at: datetime | None = None,
        detention_days: int | None = 10,
        now: datetime | None = None,
        acting_user=None,
        **detention_fields,
    ) -> Detention:
        person = services.PersonInput(id_type=id_type, id_number=id_number, name=name, phone=phone)
        detention = services.DetentionInput(
            facility=facility or orgs.centre_a,
            kind=detention_fields.pop("kind", Detention.Kind.ADMINISTRATIVE),
            admitted_at=admitted_at or local(2026, 3, 2, 15, 0),
            detention_days=detention_days,
            **detention_fields,
        )
        return services.record_intake(person, detention, acting_user=acting_user, now=now or FIXED_NOW)

    return make


# --- for the page tests (test_pages*.py) ------------------------------------------------------------


def resident_id(serial: int, birth: str = "19900101") -> str:
    """A valid 18-digit resident ID number, a different one for each serial 0-999."""
    first17 = f"330281{birth}{serial:03d}"
    return first17 + identity.check_character(first17)


@pytest.fixture
def frozen_now():
    """The clock stopped at FIXED_NOW for the whole test (views read timezone.now())."""
    with time_machine.travel(FIXED_NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def private_media(tmp_path, monkeypatch) -> FileSystemStorage:
    """Documents stored under a temporary folder instead of the development MEDIA_ROOT."""
    storage = FileSystemStorage(location=tmp_path / "media")
    monkeypatch.setattr(Document._meta.get_field("file"), "storage", storage)
    return storage


# --- imports (tests/detainees/test_imports*.py) ---------------------------------------------------------


@pytest.fixture
def import_storage(tmp_path, monkeypatch):
    """Files kept between an import's dry run and its confirmation go to a temporary folder."""
    from detainees.models import ImportLog

    storage = FileSystemStorage(location=tmp_path / "private")
    monkeypatch.setattr(ImportLog._meta.get_field("stored_file"), "storage", storage)
    return storage
