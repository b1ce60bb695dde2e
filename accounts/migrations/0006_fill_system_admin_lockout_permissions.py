# The system administrator unlocks sign-ins in the admin (django-axes' attempts: deleting one unlocks its
# username and address) and reads the sign-in logs; the security and audit administrators get none of
# these admin permissions (三员分立). The same unlock without the admin: manage.py axes_reset_username.
from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = [
    ("accessattempt", "view"),
    ("accessattempt", "delete"),
    ("accesslog", "view"),
    ("accessfailurelog", "view"),
]


def permissions(apps):
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(
        content_type__app_label="axes", codename__in=[f"{action}_{model}" for model, action in CODENAMES]
    )


def fill(apps, schema_editor):
    # Permissions are normally created after all migrations; create axes' now to grant them.
    app_config = apps.get_app_config("axes")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Group.objects.get(name="system_admin").permissions.add(*permissions(apps))


def unfill(apps, schema_editor):
    system_admin = apps.get_model("auth", "Group").objects.filter(name="system_admin").first()
    if system_admin:
        system_admin.permissions.remove(*permissions(apps))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_audit_trail"), ("axes", "0010_accessattemptexpiration")]
    operations = [migrations.RunPython(fill, unfill)]
