"""Test data through the same services the admin uses."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from django.contrib.auth import get_user_model

from bookings.models import Boat, Booking, Tenant
from bookings.services import booking_save
from crew.models import Assignment, ChecklistTemplate, ChecklistTemplateItem, CrewMember, Role
from crew.services import assignment_save, crew_event_ensure


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")
    guest_domain = factory.Sequence(lambda n: f"brand{n}.example.com")
    s3_bucket = factory.Sequence(lambda n: f"brand{n}-guest-pages")
    cloudfront_distribution_id = factory.Sequence(lambda n: f"EDIST{n:05d}")
    sender_email = factory.Sequence(lambda n: f"crew@brand{n}.example.com")
    timezone = "America/Los_Angeles"


class BoatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Boat

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Boat {n}")
    capacity = 12
    default_meeting_point = "Harbor Island West Marina, dock C"


class ChecklistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChecklistTemplate
        skip_postgeneration_save = True

    boat = factory.SubFactory(BoatFactory)

    @factory.post_generation
    def items(self, create, extracted, **kwargs):
        for i, text in enumerate(extracted or ["Fuel checked", "Life jackets counted"], start=1):
            ChecklistTemplateItem.objects.create(template=self, position=i, text=text)


def role(slug: str) -> Role:
    return Role.objects.get_or_create(slug=slug, defaults={"name": slug.replace("-", " ").title()})[0]


class CrewMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CrewMember
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Crew Member {n}")
    email = factory.Sequence(lambda n: f"crew{n}@example.com")
    phone = "+16195550100"  # as the app stores it (E.164)
    default_hourly_rate = Decimal("25.00")

    @factory.post_generation
    def tenants(self, create, extracted, **kwargs):
        if extracted:
            self.tenants.set(extracted)


def local(tenant: Tenant, *args) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tenant.timezone))


class BookingFactory(factory.django.DjangoModelFactory):
    """Saved through ``booking_save``: calendar entry, crew event and outbox rows come too."""

    class Meta:
        model = Booking

    tenant = factory.SubFactory(TenantFactory)
    boat = factory.SubFactory(BoatFactory, tenant=factory.SelfAttribute("..tenant"))
    source = Booking.Source.BOATSETTER
    external_reference = factory.Sequence(lambda n: f"BS-{100000 + n}")
    guest_name = "Jordan Guest"
    guest_email = "jordan.guest@example.com"
    guest_phone = "+18585550199"
    party_size = 6
    start = factory.LazyAttribute(lambda o: local(o.tenant, 2026, 12, 5, 10, 0))
    end = factory.LazyAttribute(lambda o: o.start + timedelta(hours=5))
    gross_amount = Decimal("840.75")
    platform_fee = Decimal("0.00")
    port_tax_rate = Decimal("18.00")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        booking = model_class(*args, **kwargs)
        booking_save(booking=booking, service="tests")
        return booking


def assign(booking: Booking, member: CrewMember, role_slug: str, rate: str, hours: str, **extra) -> Assignment:
    event = crew_event_ensure(booking=booking)
    return assignment_save(
        assignment=Assignment(
            event=event,
            crew_member=member,
            role=role(role_slug),
            hourly_rate=Decimal(rate),
            paid_hours=Decimal(hours),
            **extra,
        )
    )


def staff_user(*tenants, username: str = "staff", password: str = "pw-staff-123"):
    from django.contrib.auth.models import Permission

    User = get_user_model()
    user = User.objects.create_user(
        username=username, password=password, is_staff=True, email=f"{username}@example.com"
    )
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["bookings", "crew", "guestpages", "outbox"])
    )
    for tenant in tenants:
        tenant.staff.add(user)
    return user
