# Each existing request for judicial confirmation gets the agreement revision it was made for. Taken out
# of what was 0006_confirmation_agreement_revision, which it replaces (with the schema part,
# 0006_agreement_revision_of_confirmation), so a database that ran that migration has had this fill and
# does not run it again.
from django.db import migrations


def from_the_agreement(apps, schema_editor):
    """The revision each existing request was made for. A pending or confirmed request: the agreement's
    current one (an agreement is frozen while its request is pending or confirmed). A refused one: the
    agreement may have been changed since, so the revision it had when the request was made, read
    from the audit trail (AgreementEvent); 0, which matches no revision, where the trail has none, so
    that a court that refused never reads a later text."""
    JudicialConfirmation = apps.get_model("disputes", "JudicialConfirmation")
    Agreement = apps.get_model("disputes", "Agreement")
    AgreementEvent = apps.get_model("disputes", "AgreementEvent")
    for agreement_id, revision in Agreement.objects.values_list("pk", "revision"):
        JudicialConfirmation.objects.filter(agreement_id=agreement_id).exclude(status="refused").update(
            agreement_revision=revision
        )
    for confirmation in JudicialConfirmation.objects.filter(status="refused"):
        then = (
            AgreementEvent.objects.filter(
                pgh_obj_id=confirmation.agreement_id, pgh_created_at__lte=confirmation.requested_at
            )
            .order_by("-pgh_created_at", "-pgh_id")
            .values_list("revision", flat=True)
            .first()
        )
        confirmation.agreement_revision = then or 0
        confirmation.save(update_fields=["agreement_revision"])


def back_to_the_default(apps, schema_editor):
    """Back to the state before the fill: every request at the column's default, as AddField left it."""
    apps.get_model("disputes", "JudicialConfirmation").objects.update(agreement_revision=1)


class Migration(migrations.Migration):
    replaces = [("disputes", "0006_confirmation_agreement_revision")]

    dependencies = [("disputes", "0006_agreement_revision_of_confirmation")]

    operations = [migrations.RunPython(from_the_agreement, back_to_the_default)]
