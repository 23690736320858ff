# The two preset groups staff are given: "Brand staff" (the daily work) and "Brand manager"
# (that, plus boats, deleting bookings and saving over a clash). Brands are set per user
# (Brand.staff); these groups only say what they may do there.

from django.contrib.auth.management import create_permissions
from django.db import migrations

STAFF = {
    "bookings": {"booking": "vac", "calendarentry": "vacd", "boat": "v", "tenant": "v"},
    "crew": {
        "crewmember": "vac",
        "crewevent": "vc",
        "assignment": "vacd",
        "timeoff": "vacd",
        "credential": "vac",
        "credentialkind": "v",
        "role": "v",
        "checklisttemplate": "vac",
        "checklisttemplateitem": "vacd",
        "checklistitem": "vac",
    },
    "guestpages": {"guestpage": "v", "photoupload": "v"},
    "outbox": {"effect": "v"},
}
MANAGER_EXTRA = {
    "bookings": {"booking": "d", "boat": "ac", "tenant": "c"},
    "crew": {"crewmember": "d", "credential": "d", "checklisttemplate": "d"},
}
CUSTOM_MANAGER = [("bookings", "override_conflict")]
VERBS = {"v": "view", "a": "add", "c": "change", "d": "delete"}


def codenames(spec):
    for app, models in spec.items():
        for model, verbs in models.items():
            for v in verbs:
                yield app, f"{VERBS[v]}_{model}"


def make_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; this one needs them now.
    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def perms(pairs):
        found = []
        for app, codename in pairs:
            perm = Permission.objects.filter(content_type__app_label=app, codename=codename).first()
            if perm is not None:
                found.append(perm)
        return found

    staff = perms(codenames(STAFF))
    manager = staff + perms(codenames(MANAGER_EXTRA)) + perms(CUSTOM_MANAGER)
    Group.objects.get_or_create(name="Brand staff")[0].permissions.set(staff)
    Group.objects.get_or_create(name="Brand manager")[0].permissions.set(manager)


def drop_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Brand staff", "Brand manager"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("bookings", "0005_availability_constraint"),
        ("crew", "0002_credentials_time_off"),
        ("guestpages", "0002_photo_upload"),
        ("outbox", "0002_credential_expiry_effect"),
    ]

    operations = [migrations.RunPython(make_groups, drop_groups)]
