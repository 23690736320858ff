"""Credentials: staff are told before one lapses (once per threshold), scans stay private, the list filters by expiry."""

from __future__ import annotations

import io
import re
import runpy
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from crew import services
from crew.models import SCAN_MAX_BYTES, Credential, CredentialExpiryNotice, CredentialKind
from outbox.models import Effect
from tests.factories import CrewMemberFactory, TenantFactory, staff_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
PDF = b"%PDF-1.4\n% a licence scan\n"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def kind(db):
    return CredentialKind.objects.get(slug="uscg-license")  # seeded by the migration


@pytest.fixture
def maya(tenant):
    return CrewMemberFactory(name="Maya Captain", email="maya@example.com", tenants=[tenant])


def credential(member, kind, expires_on: date, **extra) -> Credential:
    return Credential.objects.create(crew_member=member, kind=kind, expires_on=expires_on, **extra)


# --- expiry notices ------------------------------------------------------------------------------


@pytest.fixture
def offices(tenant, other_tenant):
    """Staff of both brands Maya works for, and of a third brand she does not."""
    return {
        "queen": staff_user(tenant, username="queen-office"),
        "keywest": staff_user(other_tenant, username="keywest-office"),
        "elsewhere": staff_user(TenantFactory(name="Elsewhere Charters"), username="elsewhere-office"),
    }


@pytest.fixture
def notify(django_capture_on_commit_callbacks):
    """Run the command as beat would, and the outbox after its commit (in-process, as without a broker)."""

    def run(*args) -> str:
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("notify_expiring_credentials", *args, stdout=out)
        return out.getvalue()

    return run


@pytest.fixture
def shared_maya(maya, other_tenant, offices):
    maya.tenants.add(other_tenant)
    return maya


def expiry_emails() -> list:
    return [m for m in mail.outbox if " expires on " in m.subject]


def test_a_credential_expiring_in_50_days_emails_the_staff_of_each_brand_once(frozen, notify, shared_maya, kind):
    credential(shared_maya, kind, TODAY + timedelta(days=50))

    notify()

    [message] = expiry_emails()
    assert message.to == ["keywest-office@example.com", "queen-office@example.com"]  # not Elsewhere's staff
    assert Effect.objects.get(kind=Effect.Kind.NOTIFY_CREDENTIAL_EXPIRY).status == Effect.Status.SENT
    notify()
    assert len(expiry_emails()) == 1


def test_ten_days_before_expiry_staff_get_exactly_one_more(frozen, notify, shared_maya, kind):
    expires = TODAY + timedelta(days=50)
    credential(shared_maya, kind, expires)
    notify()
    frozen.move_to(datetime.combine(expires - timedelta(days=10), datetime.min.time(), tzinfo=UTC))

    notify()
    notify()

    assert len(expiry_emails()) == 2
    assert "in 10 days" in expiry_emails()[1].body


def test_a_credential_entered_ten_days_before_expiry_sends_one_email_not_two(frozen, notify, shared_maya, kind):
    late = credential(shared_maya, kind, TODAY + timedelta(days=10))

    output = notify()

    assert len(expiry_emails()) == 1
    assert "(within 14 days)" in output
    # Both thresholds are marked told, so the 60-day one never follows.
    assert set(late.expiry_notices.values_list("threshold_days", flat=True)) == {60, 14}
    notify()
    assert len(expiry_emails()) == 1


def test_renewing_a_credential_starts_the_notices_over(frozen, notify, shared_maya, kind):
    held = credential(shared_maya, kind, TODAY + timedelta(days=50))
    notify()
    held.expires_on = TODAY + timedelta(days=50 + 365)
    held.save()

    notify()
    assert len(expiry_emails()) == 1  # the new date is far off
    frozen.move_to(NOW + timedelta(days=365))
    notify()

    assert len(expiry_emails()) == 2
    assert f"{held.expires_on:%b %-d, %Y}" in expiry_emails()[1].subject


def test_a_credential_renewed_by_a_newer_one_of_its_kind_sends_nothing(frozen, notify, shared_maya, kind):
    credential(shared_maya, kind, TODAY + timedelta(days=50))
    credential(shared_maya, kind, TODAY + timedelta(days=50 + 5 * 365))  # the renewal, entered as its own row

    notify()

    assert expiry_emails() == []


def test_inactive_crew_get_no_notice(frozen, notify, shared_maya, kind):
    shared_maya.active = False
    shared_maya.save()
    credential(shared_maya, kind, TODAY + timedelta(days=10))

    output = notify()

    assert expiry_emails() == []
    assert "0 notice(s) queued" in output
    assert not CredentialExpiryNotice.objects.exists()


def test_dry_run_lists_what_would_be_sent_and_sends_nothing(frozen, notify, shared_maya, kind):
    credential(shared_maya, kind, TODAY + timedelta(days=50))

    output = notify("--dry-run")

    assert f"Maya Captain: USCG license expires {TODAY + timedelta(days=50):%Y-%m-%d} (within 60 days)" in output
    assert "Dry run: 1 notice(s) would be sent." in output
    assert expiry_emails() == []
    assert not CredentialExpiryNotice.objects.exists()
    assert not Effect.objects.filter(kind=Effect.Kind.NOTIFY_CREDENTIAL_EXPIRY).exists()
    notify()  # the dry run took nothing away from the real run
    assert len(expiry_emails()) == 1


def test_a_notice_already_recorded_by_another_scheduler_adds_no_effect(frozen, notify, shared_maya, kind):
    held = credential(shared_maya, kind, TODAY + timedelta(days=50))
    CredentialExpiryNotice.objects.create(credential=held, expires_on=held.expires_on, threshold_days=60)

    notify()

    assert not Effect.objects.filter(kind=Effect.Kind.NOTIFY_CREDENTIAL_EXPIRY).exists()
    assert expiry_emails() == []


def test_a_scheduler_that_read_before_the_other_committed_adds_no_effect(frozen, shared_maya, kind, monkeypatch):
    """The race itself: this run read "nothing told yet", the other scheduler then wrote its row."""
    held = credential(shared_maya, kind, TODAY + timedelta(days=50))
    CredentialExpiryNotice.objects.create(credential=held, expires_on=held.expires_on, threshold_days=60)

    tried = []

    def insert(**fields):
        tried.append(fields["threshold_days"])
        return CredentialExpiryNotice.objects.create(**fields)

    class StaleReads:
        class objects:  # noqa: N801 - stands in for the model's manager
            filter = staticmethod(lambda **kwargs: CredentialExpiryNotice.objects.none())
            create = staticmethod(insert)

    # Patch where the scheduler is defined (crew.services may be a module or a package).
    schedule = services.credential_expiry_notices_schedule
    monkeypatch.setattr(sys.modules[schedule.__module__], "CredentialExpiryNotice", StaleReads)

    assert schedule() == []
    assert tried == [60]  # it did try, and the unique row stopped it
    assert not Effect.objects.filter(kind=Effect.Kind.NOTIFY_CREDENTIAL_EXPIRY).exists()
    assert CredentialExpiryNotice.objects.count() == 1


def test_the_beat_task_schedules_the_same_notices(frozen, shared_maya, kind):
    from crew.tasks import notify_expiring_credentials

    credential(shared_maya, kind, TODAY + timedelta(days=50))

    assert notify_expiring_credentials() == 1
    assert notify_expiring_credentials() == 0


def test_the_email_names_person_credential_and_date_and_no_money(frozen, notify, shared_maya, kind):
    shared_maya.default_hourly_rate = "55.00"
    shared_maya.save()
    credential(shared_maya, kind, TODAY + timedelta(days=50), number="ML-778812")

    notify()

    [message] = expiry_emails()
    assert message.subject == "Maya Captain's USCG license expires on Apr 21, 2026"
    assert "Maya Captain's USCG license (no. ML-778812) expires on Tuesday, April 21, 2026" in message.body
    assert "in 50 days" in message.body
    for text in (message.subject, message.body):
        assert not re.search(r"\$|\d+\.\d\d", text), text
        assert "55" not in text


# --- scans ----------------------------------------------------------------------------------------


def shipped_settings(monkeypatch, **env) -> dict:
    """The settings module as a deployment with ``env`` would load it (nothing else from this test's environment)."""
    for key in (
        "CREDENTIAL_SCANS_BUCKET",
        "CHARTEROPS_PRIVATE_MEDIA_ROOT",
        "CHARTEROPS_MEDIA_ROOT",
        "AWS_S3_ENDPOINT_URL",
    ):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return runpy.run_path(str(Path(django_settings.BASE_DIR) / "charterops" / "settings.py"))


@pytest.fixture
def private_folder(settings, monkeypatch, tmp_path):
    """The shipped default (a folder, no bucket), moved under tmp_path with its documented variable."""
    folder = tmp_path / "private"
    shipped = shipped_settings(monkeypatch, CHARTEROPS_PRIVATE_MEDIA_ROOT=str(folder))
    settings.STORAGES = {**settings.STORAGES, "credentials": shipped["STORAGES"]["credentials"]}
    return folder / "credentials"


@pytest.fixture
def scan_bucket(aws_credentials, settings, monkeypatch):
    """STORAGES["credentials"] as the settings build it with CREDENTIAL_SCANS_BUCKET set, on a moto bucket."""
    from moto import mock_aws

    with mock_aws():
        import boto3

        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="charterops-scans")
        shipped = shipped_settings(monkeypatch, CREDENTIAL_SCANS_BUCKET="charterops-scans")
        settings.STORAGES = {**settings.STORAGES, "credentials": shipped["STORAGES"]["credentials"]}
        yield s3


@pytest.fixture
def office(client, tenant):
    client.force_login(staff_user(tenant, username="queen-office"))
    return client


def add_credential(client, member, kind, scan) -> object:
    return client.post(
        reverse("admin:crew_credential_add"),
        {
            "crew_member": member.pk,
            "kind": kind.pk,
            "number": "ML-778812",
            "issued_on": "2025-01-10",
            "expires_on": "2027-01-10",
            "scan": scan,
            "_save": "Save",
        },
    )


def pdf(name: str = "licence.pdf", data: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_by_default_scans_go_to_a_folder_outside_media_root():
    shipped = runpy.run_path(str(Path(django_settings.BASE_DIR) / "charterops" / "settings.py"))
    if shipped["CREDENTIAL_SCANS_BUCKET"]:
        pytest.skip("this environment configures a scans bucket")
    config = shipped["STORAGES"]["credentials"]
    assert config["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert not Path(config["OPTIONS"]["location"]).resolve().is_relative_to(Path(shipped["MEDIA_ROOT"]).resolve())


def test_a_scan_uploaded_on_the_add_page_lands_in_the_private_folder_with_no_url(office, private_folder, maya, kind):
    response = add_credential(office, maya, kind, pdf())

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    held = Credential.objects.get()
    stored = private_folder / held.scan.name
    assert stored.read_bytes() == PDF
    assert not stored.resolve().is_relative_to(Path(django_settings.MEDIA_ROOT).resolve())
    assert "maya" not in held.scan.name.lower() and "licence" not in held.scan.name  # the key names nobody
    with pytest.raises(NotImplementedError):
        _ = held.scan.url
    assert Client().get(f"/no-public-url/{held.scan.name}").status_code == 404


def crew_member_change_data(member, **credential_fields) -> dict:
    data = {
        "name": member.name,
        "email": member.email,
        "phone": member.phone,
        "default_hourly_rate": str(member.default_hourly_rate),
        "active": "on",
        "tenants": [t.pk for t in member.tenants.all()],
        "credentials-TOTAL_FORMS": "1",
        "credentials-INITIAL_FORMS": "0",
        "credentials-MIN_NUM_FORMS": "0",
        "credentials-MAX_NUM_FORMS": "1000",
        "time_off-TOTAL_FORMS": "0",
        "time_off-INITIAL_FORMS": "0",
        "time_off-MIN_NUM_FORMS": "0",
        "time_off-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    data.update({f"credentials-0-{k}": v for k, v in credential_fields.items()})
    data["credentials-0-crew_member"] = member.pk
    return data


def test_a_scan_uploaded_on_the_crew_member_page_lands_in_the_private_folder(office, private_folder, maya, kind):
    data = crew_member_change_data(maya, kind=kind.pk, number="ML-1", expires_on="2027-01-10", scan=pdf())

    response = office.post(reverse("admin:crew_crewmember_change", args=[maya.pk]), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    held = Credential.objects.get(crew_member=maya)
    assert (private_folder / held.scan.name).read_bytes() == PDF


def test_with_a_bucket_configured_the_scan_lands_in_the_bucket_privately(office, scan_bucket, maya, kind):
    response = add_credential(office, maya, kind, pdf())

    assert response.status_code == 302
    held = Credential.objects.get()
    stored = scan_bucket.get_object(Bucket="charterops-scans", Key=held.scan.name)
    assert stored["Body"].read() == PDF
    grants = scan_bucket.get_object_acl(Bucket="charterops-scans", Key=held.scan.name)["Grants"]
    assert not [g for g in grants if "AllUsers" in g["Grantee"].get("URI", "")]
    download = office.get(reverse("admin:crew_credential_scan", args=[held.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


@pytest.fixture
def scanned(office, private_folder, maya, kind):
    assert add_credential(office, maya, kind, pdf()).status_code == 302
    return Credential.objects.get()


def test_staff_of_the_crew_members_brand_download_the_scan_privately(office, scanned):
    response = office.get(reverse("admin:crew_credential_scan", args=[scanned.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="Maya Captain USCG license.pdf"' in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    cache = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache


def test_staff_of_another_brand_get_404_for_the_scan(scanned, other_tenant):
    client = Client()
    client.force_login(staff_user(other_tenant, username="keywest-office"))

    assert client.get(reverse("admin:crew_credential_scan", args=[scanned.pk])).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in_for_the_scan(scanned):
    url = reverse("admin:crew_credential_scan", args=[scanned.pk])

    response = Client().get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_scan_over_10_mb_is_refused_with_a_form_error(office, private_folder, maya, kind):
    response = add_credential(office, maya, kind, pdf(data=b"0" * (SCAN_MAX_BYTES + 1)))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["scan"]
    assert any("under 10 MB" in e for e in errors)
    assert not Credential.objects.exists()
    assert not private_folder.exists() or not any(private_folder.rglob("*.pdf"))


def test_an_exe_is_refused_with_a_form_error(office, private_folder, maya, kind):
    response = add_credential(office, maya, kind, pdf(name="licence.exe", data=b"MZ\x90\x00"))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["scan"]
    assert any("exe" in e for e in errors)
    assert not Credential.objects.exists()
    assert not private_folder.exists() or not any(private_folder.rglob("*"))


def test_staff_cannot_file_a_credential_for_another_brands_crew_member(office, private_folder, kind, other_tenant):
    stranger = CrewMemberFactory(name="Only Theirs", tenants=[other_tenant])

    response = add_credential(office, stranger, kind, pdf())

    assert response.status_code == 200
    assert "crew_member" in response.context["adminform"].form.errors
    assert not Credential.objects.exists()


# --- the changelist's expiry filter ---------------------------------------------------------------


def test_the_within_90_days_filter_lists_what_to_chase_for_the_staffs_brand_only(
    frozen, office, maya, kind, other_tenant
):
    soon = credential(maya, kind, TODAY + timedelta(days=80), number="SOON-80")
    credential(
        maya, CredentialKind.objects.get(slug="medical-certificate"), TODAY + timedelta(days=120), number="LATER-120"
    )
    url = reverse("admin:crew_credential_changelist") + "?expires=90"

    response = office.get(url)

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [soon]
    body = response.content.decode()
    assert "SOON-80" in body and "LATER-120" not in body
    theirs = Client()
    theirs.force_login(staff_user(other_tenant, username="keywest-office"))
    response = theirs.get(url)
    assert list(response.context["cl"].result_list) == []
    assert "SOON-80" not in response.content.decode()


def test_a_deleted_credential_takes_its_scan_with_it_after_the_commit(
    office, scanned, private_folder, django_capture_on_commit_callbacks
):
    stored = private_folder / scanned.scan.name
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(reverse("admin:crew_credential_delete", args=[scanned.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not stored.exists()


def test_a_replaced_scan_is_deleted_and_the_new_one_kept(
    office, scanned, private_folder, django_capture_on_commit_callbacks
):
    old = private_folder / scanned.scan.name
    scanned.scan = pdf("renewal.pdf", b"%PDF-1.4\n% the renewal\n")
    with django_capture_on_commit_callbacks(execute=True):
        scanned.save()
    assert not old.exists()
    assert (private_folder / scanned.scan.name).read_bytes() == b"%PDF-1.4\n% the renewal\n"


def test_a_rolled_back_delete_keeps_the_scan(scanned, private_folder):
    from django.db import transaction

    stored = private_folder / scanned.scan.name
    with transaction.atomic():
        Credential.objects.filter(pk=scanned.pk).first().delete()
        transaction.set_rollback(True)
    assert stored.exists() and Credential.objects.filter(pk=scanned.pk).exists()
