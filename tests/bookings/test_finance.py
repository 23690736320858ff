from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookings import finance
from bookings.finance import Pay, compute

D = Decimal


def worked(platform_pays_captain=False):
    return compute(
        gross=D("840.75"),
        platform_fee=D("0"),
        port_tax_rate=D("18"),
        platform_pays_captain=platform_pays_captain,
        pay=[Pay(D("25"), D("5"), False), Pay(D("25"), D("5"), False), Pay(D("50"), D("3"), True)],
    )


def test_worked_example_comes_out_exactly():
    b = worked()
    assert (b.crew_pay, b.captain_fee, b.port_tax, b.net_to_owner) == (
        D("250.00"),
        D("150.00"),
        D("151.34"),
        D("289.41"),
    )
    assert sum(b.parts()) == D("840.75")


def test_platform_paying_the_captain_raises_the_net_by_the_captain_fee():
    b = worked(platform_pays_captain=True)
    assert b.captain_fee == D("150.00")
    assert b.captain_cost_to_owner == D("0.00")
    assert b.net_to_owner == D("439.41")
    assert sum(b.parts()) == D("840.75")


def test_rounding_is_half_up_to_cents():
    assert finance.to_cents(D("151.335")) == D("151.34")
    assert finance.to_cents(D("0.005")) == D("0.01")
    assert finance.line_pay(D("33.33"), D("1.5")) == D("50.00")  # 49.995


@pytest.mark.django_db
def test_breakdown_of_a_saved_booking_ignores_declined_crew(worked_example):
    from crew.models import Assignment

    assert finance.booking_breakdown(worked_example).net_to_owner == D("289.41")
    from bookings.models import Booking

    deckhand = Assignment.objects.filter(role__slug="deckhand").order_by("id").first()
    Assignment.objects.filter(pk=deckhand.pk).update(status=Assignment.Status.DECLINED)
    fresh = Booking.objects.get(pk=worked_example.pk)
    assert finance.booking_breakdown(fresh).net_to_owner == D("414.41")


money = st.decimals(min_value=D("0"), max_value=D("100000"), places=2, allow_nan=False, allow_infinity=False)
rates = st.decimals(min_value=D("0"), max_value=D("100"), places=2, allow_nan=False, allow_infinity=False)
lines = st.lists(
    st.builds(
        Pay,
        st.decimals(min_value=D("0"), max_value=D("500"), places=2, allow_nan=False, allow_infinity=False),
        st.decimals(min_value=D("0"), max_value=D("24"), places=2, allow_nan=False, allow_infinity=False),
        st.booleans(),
    ),
    max_size=8,
)


@given(gross=money, fee=money, rate=rates, pays_captain=st.booleans(), pay=lines)
def test_parts_always_sum_to_the_gross(gross, fee, rate, pays_captain, pay):
    b = compute(gross=gross, platform_fee=fee, port_tax_rate=rate, platform_pays_captain=pays_captain, pay=pay)
    assert sum(b.parts()) == b.gross == gross
    for value in (b.crew_pay, b.captain_fee, b.port_tax, b.net_to_owner, b.platform_fee):
        assert value == value.quantize(D("0.01"))
    assert b.crew_pay == sum((p.amount for p in pay if not p.is_captain), D("0"))
