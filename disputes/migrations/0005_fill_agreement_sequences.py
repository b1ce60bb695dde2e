# Agreement numbers were counted from the agreements before the per-centre sequence existed: start each
# centre's sequence of a year after its highest number. Taken out of what was
# 0005_confirmation_history_volunteer_per_centre_plan_revision, which it replaces (with the schema part,
# 0005_agreement_sequence_volunteer_per_centre_plan_revision), so a database that ran that migration has
# had this fill and does not run it again.
import re

from django.db import migrations

NUMBER = re.compile(r"^(?P<code>.+)调〔(?P<year>\d{4})〕(?P<n>\d+)号$")


def seed_sequences(apps, schema_editor):
    Agreement = apps.get_model("disputes", "Agreement")
    Organization = apps.get_model("accounts", "Organization")
    AgreementSequence = apps.get_model("disputes", "AgreementSequence")
    highest: dict[tuple[str, int], int] = {}
    for number in Agreement.objects.values_list("number", flat=True):
        match = NUMBER.match(number)
        if match:
            key = (match["code"], int(match["year"]))
            highest[key] = max(highest.get(key, 0), int(match["n"]))
    facilities = dict(Organization.objects.filter(code__in={code for code, _year in highest}).values_list("code", "pk"))
    AgreementSequence.objects.bulk_create(
        [
            AgreementSequence(facility_id=facilities[code], year=year, last_number=n)
            for (code, year), n in highest.items()
            if code in facilities
        ]
    )


def forget_sequences(apps, schema_editor):
    """Back to the state before the fill: no sequence rows (the table itself goes with the schema part)."""
    apps.get_model("disputes", "AgreementSequence").objects.all().delete()


class Migration(migrations.Migration):
    replaces = [("disputes", "0005_confirmation_history_volunteer_per_centre_plan_revision")]

    dependencies = [
        ("accounts", "0005_audit_trail"),
        ("disputes", "0005_agreement_sequence_volunteer_per_centre_plan_revision"),
    ]

    operations = [migrations.RunPython(seed_sequences, forget_sequences)]
