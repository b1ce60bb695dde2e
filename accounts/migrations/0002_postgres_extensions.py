# btree_gist backs the booking exclusion constraints (no room or person double-booked); pg_trgm the
# name searches. Both ship with the embedded server and with every PostgreSQL contrib package.
from django.contrib.postgres.operations import BtreeGistExtension, TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [BtreeGistExtension(), TrigramExtension()]
