"""Fills DisputeLead.release_at and installs the two triggers that keep it (see 0011_add_lead_release)."""

from django.db import migrations

COPY_SQL = """
CREATE FUNCTION disputes_lead_release_from_detention() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT coalesce(d.released_at, d.scheduled_release_at) INTO NEW.release_at
      FROM detainees_detention d WHERE d.id = NEW.detention_id;
    RETURN NEW;
END $$;
CREATE TRIGGER disputes_lead_release_from_detention
    BEFORE INSERT OR UPDATE OF detention_id, release_at ON disputes_disputelead
    FOR EACH ROW EXECUTE FUNCTION disputes_lead_release_from_detention();

CREATE FUNCTION disputes_detention_release_to_leads() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE disputes_disputelead SET release_at = coalesce(NEW.released_at, NEW.scheduled_release_at)
     WHERE detention_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER disputes_detention_release_to_leads
    AFTER UPDATE OF released_at, scheduled_release_at ON detainees_detention
    FOR EACH ROW
    WHEN (coalesce(OLD.released_at, OLD.scheduled_release_at)
          IS DISTINCT FROM coalesce(NEW.released_at, NEW.scheduled_release_at))
    EXECUTE FUNCTION disputes_detention_release_to_leads();

UPDATE disputes_disputelead l SET release_at = coalesce(d.released_at, d.scheduled_release_at)
  FROM detainees_detention d WHERE d.id = l.detention_id;
"""

DROP_SQL = """
DROP TRIGGER disputes_detention_release_to_leads ON detainees_detention;
DROP FUNCTION disputes_detention_release_to_leads();
DROP TRIGGER disputes_lead_release_from_detention ON disputes_disputelead;
DROP FUNCTION disputes_lead_release_from_detention();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('disputes', '0011_add_lead_release'),
    ]

    operations = [
        migrations.RunSQL(COPY_SQL, DROP_SQL),
    ]
