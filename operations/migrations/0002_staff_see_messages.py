# Staff see their brands' guest messages and undeliverable addresses (read-only lists; the booking page
# shows the same). Only superusers delete an undeliverable address to allow it again.

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = [("messaging", "view_message"), ("messaging", "view_suppression")]


def grant(apps, schema_editor):
    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = [
        p
        for app, codename in CODENAMES
        if (p := Permission.objects.filter(content_type__app_label=app, codename=codename).first()) is not None
    ]
    for group in Group.objects.filter(name__in=["Brand staff", "Brand manager"]):
        group.permissions.add(*perms)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="messaging", codename__in=[c for _, c in CODENAMES])
    for group in Group.objects.filter(name__in=["Brand staff", "Brand manager"]):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0001_staff_groups"),
        ("messaging", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
