# The roles of DESIGN.md §3 as Django groups. Created here, not by hand, so every database has them.
# The system administrator's group gets the model permissions its admin pages need; the security and
# audit administrators work only in their own pages (三员分立), so their groups hold none of those.
from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = [
    "officer",
    "centre_leader",
    "court_staff",
    "court_mediator",
    "agency_staff",
    "volunteer",
    "supervisor",
    "system_admin",
    "security_admin",
    "audit_admin",
]

SYSTEM_ADMIN_PERMISSIONS = [
    ("accounts", "add_user"),
    ("accounts", "change_user"),
    ("accounts", "view_user"),
    ("accounts", "add_organization"),
    ("accounts", "change_organization"),
    ("accounts", "view_organization"),
    ("accounts", "add_membership"),
    ("accounts", "change_membership"),
    ("accounts", "view_membership"),
    ("accounts", "delete_membership"),
]


def fill(apps, schema_editor):
    # Permissions are normally created after all migrations; create this app's now to grant them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    system_admin = Group.objects.get(name="system_admin")
    for app_label, codename in SYSTEM_ADMIN_PERMISSIONS:
        system_admin.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def unfill(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_postgres_extensions"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(fill, unfill)]
