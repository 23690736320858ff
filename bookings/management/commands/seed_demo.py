"""Demo data for a laptop: two brands, boats, crew and the worked-example booking. Idempotent."""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from bookings import finance
from bookings.models import Boat, Booking, Tenant
from bookings.services import booking_save
from crew.models import (
    Assignment,
    ChecklistTemplate,
    ChecklistTemplateItem,
    Credential,
    CredentialKind,
    CrewMember,
    Role,
)
from crew.services import assignment_save, crew_event_ensure

CREDENTIALS_FILE = Path(settings.BASE_DIR) / ".admin-credentials"

TENANTS = [
    {
        "slug": "queen-of-san-diego",
        "name": "Queen of San Diego",
        "guest_domain": "queenofsandiego.com",
        "s3_bucket": "queenofsandiego-guest-pages",
        "cloudfront_distribution_id": "E2QUEENDEMO",
        "sender_email": "crew@queenofsandiego.com",
        "timezone": "America/Los_Angeles",
        "boats": [
            ("Queen of San Diego", 12, "Harbor Island West Marina, dock C"),
            ("Little Queen", 6, "Shelter Island launch ramp"),
        ],
    },
    {
        "slug": "key-west-sunsets",
        "name": "Key West Sunsets",
        "guest_domain": "keywestsunsets.example",
        "s3_bucket": "keywestsunsets-guest-pages",
        "cloudfront_distribution_id": "E2KEYWESTDEMO",
        "sender_email": "crew@keywestsunsets.example",
        "timezone": "America/New_York",
        "boats": [("Sunset Chaser", 20, "Key West Bight Marina, slip 12")],
    },
]

CREW = [
    ("Maya Torres", "maya@example.com", "+1 619 555 0101", ["captain"], "50.00", ["queen-of-san-diego"]),
    ("Sam Okafor", "sam@example.com", "+1 619 555 0102", ["deckhand"], "25.00", ["queen-of-san-diego"]),
    (
        "Lee Park",
        "lee@example.com",
        "+1 619 555 0103",
        ["deckhand"],
        "25.00",
        ["queen-of-san-diego", "key-west-sunsets"],
    ),
    ("Ana Ruiz", "ana@example.com", "+1 305 555 0104", ["captain", "deckhand"], "45.00", ["key-west-sunsets"]),
]

CHECKLIST = [
    "Check fuel and oil",
    "Life jackets counted for the party",
    "Safety briefing given",
    "Ice and water aboard",
    "Photos of the hull before departure",
]


class Command(BaseCommand):
    help = "Load demo brands, boats, crew and the worked-example booking (safe to run again)."

    def handle(self, *args, **options):
        with transaction.atomic():
            roles = {
                slug: Role.objects.get_or_create(slug=slug, defaults={"name": name})[0]
                for slug, name in [("captain", "Captain"), ("deckhand", "Deckhand"), ("first-mate", "First mate")]
            }
            tenants = {}
            for spec in TENANTS:
                boats = spec["boats"]
                fields = {k: v for k, v in spec.items() if k not in ("slug", "boats")}
                tenant, _ = Tenant.objects.update_or_create(slug=spec["slug"], defaults=fields)
                tenants[tenant.slug] = tenant
                for name, capacity, meet in boats:
                    boat, _ = Boat.objects.update_or_create(
                        tenant=tenant, name=name, defaults={"capacity": capacity, "default_meeting_point": meet}
                    )
                    template, _ = ChecklistTemplate.objects.get_or_create(boat=boat)
                    for position, text in enumerate(CHECKLIST, start=1):
                        ChecklistTemplateItem.objects.get_or_create(
                            template=template, text=text, defaults={"position": position}
                        )
            crew = {}
            for name, email, phone, role_slugs, rate, tenant_slugs in CREW:
                member, _ = CrewMember.objects.update_or_create(
                    email=email, defaults={"name": name, "phone": phone, "default_hourly_rate": Decimal(rate)}
                )
                member.roles.set([roles[s] for s in role_slugs])
                member.tenants.set([tenants[s] for s in tenant_slugs])
                crew[email] = member
                self._credentials(member, captain="captain" in role_slugs)
            # The demo switches the captain's licence requirement on (an upgrade starts with none).
            roles["captain"].required_credential_kinds.add(CredentialKind.objects.get(slug="uscg-license"))
            booking = self._worked_example(tenants["queen-of-san-diego"], roles, crew)
        admin_user, password = self._admin()
        net = finance.booking_breakdown(Booking.objects.get(pk=booking.pk)).net_to_owner
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready. Worked-example booking #{booking.pk}: net to owner {net}.")
        )
        self.stdout.write(f"Admin login: {admin_user} / {password}   (saved in {CREDENTIALS_FILE.name})")

    def _credentials(self, member: CrewMember, *, captain: bool) -> None:
        """Valid for two years from today: CPR/first aid for everyone, a USCG license for captains."""
        today = timezone.localdate()
        kinds = ["cpr-first-aid", *(["uscg-license"] if captain else [])]
        for slug in kinds:
            kind = CredentialKind.objects.get(slug=slug)
            if not Credential.objects.filter(crew_member=member, kind=kind, expires_on__gt=today).exists():
                Credential.objects.create(
                    crew_member=member,
                    kind=kind,
                    number=f"DEMO-{member.pk:04d}-{slug[:4].upper()}",
                    issued_on=today - timedelta(days=365),
                    expires_on=today + timedelta(days=730),
                )

    def _worked_example(self, tenant, roles, crew) -> Booking:
        boat = Boat.objects.get(tenant=tenant, name="Queen of San Diego")
        day = (timezone.localtime(timezone.now(), tenant.zone) + timedelta(days=7)).date()
        start = datetime.combine(day, time(10, 0), tzinfo=tenant.zone)
        booking = Booking.objects.filter(
            tenant=tenant, source=Booking.Source.BOATSETTER, external_reference="BS-DEMO-1001"
        ).first()
        if booking is None:
            booking = Booking(
                tenant=tenant,
                boat=boat,
                source=Booking.Source.BOATSETTER,
                external_reference="BS-DEMO-1001",
                guest_name="Jordan Demo",
                # The guest's confirmation email and text print on the console once the page is published.
                guest_email="jordan.demo@example.com",
                guest_phone="+16195550142",
                party_size=6,
                start=start,
                end=start + timedelta(hours=5),
                gross_amount=Decimal("840.75"),
                platform_fee=Decimal("0.00"),
                port_tax_rate=Decimal("18.00"),
                crew_notes="Birthday party: a cake comes aboard with the guests.",
                guest_notes="Free parking in the marina lot. Look for the blue flag.",
                internal_notes="Worked example from the brief.",
            )
            booking_save(booking=booking, service="seed_demo")
        event = crew_event_ensure(booking=booking)
        for email, role, rate, hours in [
            ("maya@example.com", "captain", "50.00", "3"),
            ("sam@example.com", "deckhand", "25.00", "5"),
            ("lee@example.com", "deckhand", "25.00", "5"),
        ]:
            if not Assignment.objects.filter(event=event, crew_member=crew[email]).exists():
                assignment_save(
                    assignment=Assignment(
                        event=event,
                        crew_member=crew[email],
                        role=roles[role],
                        hourly_rate=Decimal(rate),
                        paid_hours=Decimal(hours),
                    )
                )
        return booking

    def _admin(self) -> tuple[str, str]:
        User = get_user_model()
        user = User.objects.filter(username="admin").first()
        saved = CREDENTIALS_FILE.read_text().strip() if CREDENTIALS_FILE.exists() else ""
        if user is not None and saved and user.check_password(saved):
            return "admin", saved
        password = secrets.token_urlsafe(12)
        if user is None:
            user = User.objects.create_superuser("admin", "admin@localhost", password)
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        CREDENTIALS_FILE.write_text(password + "\n")
        CREDENTIALS_FILE.chmod(0o600)
        return "admin", password
