"""DESIGN.md §4's defaults, one row per kind of partner organization: receipt by the end of the first
working day after sending, feedback by the end of the fifth after receipt. The system administrator
changes a kind's row in the admin site."""

from django.db import migrations

PARTNER_KINDS = [
    "court",
    "enforcement_bureau",
    "justice_bureau",
    "law_firm",
    "counselling_centre",
    "womens_federation",
    "police_station",
    "township",
    "village_committee",
    "other",
]


def fill(apps, schema_editor):
    DueTimeDefault = apps.get_model("referrals", "DueTimeDefault")
    for kind in PARTNER_KINDS:
        DueTimeDefault.objects.get_or_create(
            organization_kind=kind, defaults={"receipt_working_days": 1, "feedback_working_days": 5}
        )


def empty(apps, schema_editor):
    apps.get_model("referrals", "DueTimeDefault").objects.filter(organization_kind__in=PARTNER_KINDS).delete()


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_work_orders")]

    operations = [migrations.RunPython(fill, empty)]
