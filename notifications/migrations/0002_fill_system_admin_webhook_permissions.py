# The system administrator configures organizations' webhook endpoints in the admin: its group gets
# the permissions on WebhookEndpoint (the security and audit administrators get none, 三员分立).
from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["add_webhookendpoint", "change_webhookendpoint", "view_webhookendpoint", "delete_webhookendpoint"]


def fill(apps, schema_editor):
    # Permissions are normally created after all migrations; create this app's now to grant them.
    app_config = apps.get_app_config("notifications")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    system_admin = Group.objects.get(name="system_admin")
    system_admin.permissions.add(
        *Permission.objects.filter(content_type__app_label="notifications", codename__in=CODENAMES)
    )


def unfill(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    system_admin = Group.objects.filter(name="system_admin").first()
    if system_admin:
        system_admin.permissions.remove(
            *Permission.objects.filter(content_type__app_label="notifications", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial"), ("accounts", "0003_fill_role_groups")]
    operations = [migrations.RunPython(fill, unfill)]
