# The centre that holds each detention now, copied to its leads while the update trigger is off (see
# 0007_add_lead_facility): a derived copy, not a change of the case (the detention's own trail records
# its transfers). Taken out of what was 0007_lead_facility, which it replaces, so a database that ran
# that migration has had this fill and does not run it again.
from django.db import migrations


class Migration(migrations.Migration):
    replaces = [("disputes", "0007_lead_facility")]

    dependencies = [
        ("detainees", "0002_detentions_api_index"),
        ("disputes", "0007_add_lead_facility"),
    ]

    operations = [
        migrations.RunSQL(
            """
            UPDATE disputes_disputelead AS lead SET facility_id = detention.facility_id
              FROM detainees_detention AS detention
             WHERE lead.detention_id = detention.id
            """,
            # Back to the empty column that 0007_add_lead_facility added.
            "UPDATE disputes_disputelead SET facility_id = NULL",
        ),
    ]
