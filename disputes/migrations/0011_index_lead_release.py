"""The custody clock's partial index on the copied release, and the lead's audit trigger that ignores it."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('disputes', '0011_fill_lead_release'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='disputelead',
            index=models.Index(condition=models.Q(('closed_at__isnull', True)), fields=['release_at'], name='lead_release_due_idx'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='disputelead',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition="WHEN ((to_jsonb(OLD.*) - 'facility_id' - 'updated_at' - 'release_at') IS DISTINCT FROM (to_jsonb(NEW.*) - 'facility_id' - 'updated_at' - 'release_at'))", func='INSERT INTO "disputes_disputeleadevent" ("amount_at_stake", "assigned_officer_id", "category", "closed_at", "court_case_number", "created_at", "detention_id", "id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "risk_level", "source", "status", "summary", "updated_at") VALUES (NEW."amount_at_stake", NEW."assigned_officer_id", NEW."category", NEW."closed_at", NEW."court_case_number", NEW."created_at", NEW."detention_id", NEW."id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'update\', NEW."id", NEW."risk_level", NEW."source", NEW."status", NEW."summary", NEW."updated_at"); RETURN NULL;', hash='4d71ae09f986c8ff9d45fed0c6dd6df6aab93b9a', operation='UPDATE', pgid='pgtrigger_update_update_e35cb', table='disputes_disputelead', when='AFTER')),
        ),
    ]
