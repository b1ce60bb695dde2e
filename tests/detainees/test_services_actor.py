"""Every detainees service checks who acts (accounts.permissions.require), not only the views: an API
call, a task or a later caller cannot write one centre's records as someone of another centre or role.
`acting_user=None` is the system (a command or a beat task) and passes."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from detainees import services
from detainees.imports import applying
from detainees.models import Detention, Document, ImportLog, IntakeAssessment, Person

from . import document_files
from .conftest import FIXED_NOW, ID_WOMAN, local

pytestmark = pytest.mark.django_db

PDF = document_files.pdf()  # a whole, valid PDF: uploads are parsed


def intake_at(facility, user):
    person = services.PersonInput(id_type=Person.IdType.RESIDENT_ID, id_number=ID_WOMAN, name="钱芳")
    detention = services.DetentionInput(
        facility=facility, kind=Detention.Kind.ADMINISTRATIVE, admitted_at=local(2026, 3, 3, 9, 0), detention_days=5
    )
    return services.record_intake(person, detention, acting_user=user, now=FIXED_NOW)


def test_an_officer_of_another_centre_cannot_record_an_intake_here(orgs, officer_b, officer_a):
    with pytest.raises(PermissionDenied):
        intake_at(orgs.centre_a, officer_b)
    with pytest.raises(PermissionDenied):
        services.record_intakes(
            [
                (
                    services.PersonInput(id_type=Person.IdType.RESIDENT_ID, id_number=ID_WOMAN, name="钱芳"),
                    services.DetentionInput(
                        facility=orgs.centre_a, kind=Detention.Kind.ADMINISTRATIVE, admitted_at=local(2026, 3, 3, 9, 0)
                    ),
                )
            ],
            acting_user=officer_b,
            now=FIXED_NOW,
        )

    assert not Detention.objects.exists()
    assert intake_at(orgs.centre_a, officer_a).facility == orgs.centre_a


def test_a_court_judge_cannot_record_an_intake(orgs, court_staff):
    with pytest.raises(PermissionDenied):
        intake_at(orgs.centre_a, court_staff)


@pytest.mark.parametrize(
    "write",
    [
        lambda d, u, o: services.update_detention(d, changes={"cell": "9 号"}, acting_user=u, now=FIXED_NOW),
        lambda d, u, o: services.release_detention(
            d, released_at=local(2026, 3, 9, 9, 0), acting_user=u, now=FIXED_NOW
        ),
        lambda d, u, o: services.transfer_detention(
            d, to_facility=o.centre_b, moved_at=local(2026, 3, 5, 9, 0), acting_user=u, now=FIXED_NOW
        ),
        lambda d, u, o: services.complete_assessment(
            d,
            risk_tags=[],
            risk_level=IntakeAssessment.RiskLevel.LOW,
            screening_result=IntakeAssessment.Screening.NONE_FOUND,
            acting_user=u,
            now=FIXED_NOW,
        ),
        lambda d, u, o: services.add_document(
            d,
            kind=Document.Kind.DECISION_NOTICE,
            title="决定书",
            upload=SimpleUploadedFile("a.pdf", PDF, "application/pdf"),
            acting_user=u,
        ),
    ],
    ids=["update", "release", "transfer", "assessment", "document"],
)
def test_another_centre_cannot_change_a_detention(write, make_detention, orgs, officer_b, volunteer, officer_a):
    detention = make_detention()
    before = Detention.objects.values().get(pk=detention.pk)

    for outsider in (officer_b, volunteer):
        with pytest.raises(PermissionDenied):
            write(detention, outsider, orgs)

    assert Detention.objects.values().get(pk=detention.pk) == before
    assert not IntakeAssessment.objects.exists() and not Document.objects.exists()
    write(detention, officer_a, orgs)  # the centre's own officer may


def test_imports_are_for_the_staff_of_the_centre_they_fill(orgs, officer_b):
    with pytest.raises(PermissionDenied):
        applying.check_upload(
            io.BytesIO(b"external_ref,name\n"),
            kind=ImportLog.Kind.DETENTIONS,
            file_name="a.csv",
            user=officer_b,
            facility=orgs.centre_a,
        )
    with pytest.raises(PermissionDenied):
        applying.import_records(
            ImportLog.Kind.DETENTIONS,
            [],
            user=officer_b,
            facility=orgs.centre_a,
            checksum="x",
            dry_run=True,
            only_valid=False,
        )

    assert not ImportLog.objects.exists()
