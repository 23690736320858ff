"""The day sheet as a day fills up, and its PDF.

1. The staff day sheet page (``GET /admin/day/<date>/``, the admin's own request path) for a
   brand's day holding 2, 10 and 40 charters (each with 3 crew and a 5-line checklist, on 8
   boats, a block on the day), interleaved so drift hits every size alike. Target: the same
   number of queries at every size; the time grows with the HTML, not with round trips.
   The selector alone (``staff_day_sheet``) is timed the same way.
2. The PDF (``GET /admin/day/<date>.pdf``, WeasyPrint) of the 10- and the 40-charter day:
   median time, pages and size.
3. The captain's copy (one charter, crew session) at 2 and 40 charters on its day: queries.

Nothing is asserted by time; the figures are ratios within this run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io

from _common import django_setup_migrated, median, report, timed

SIZES = (2, 10, 40)
BOATS = 8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="page requests per size")
    parser.add_argument("--pdf-repeat", type=int, default=5, help="PDF renders per size")
    args = parser.parse_args()
    django_setup_migrated()
    run(args)


def run(args) -> None:
    import logging

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from pypdf import PdfReader

    from operations.day_sheet import staff_day_sheet

    logging.disable(logging.WARNING)
    setup_test_environment()
    w = World.build()

    client = Client()
    client.force_login(w.staff)

    def page(day: dt.date):
        def get():
            response = client.get(f"/admin/day/{day.isoformat()}/?tenant={w.tenant.pk}")
            assert response.status_code == 200, response.status_code
            return response

        return get

    def pdf(day: dt.date):
        def get():
            response = client.get(f"/admin/day/{day.isoformat()}.pdf?tenant={w.tenant.pk}")
            assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
            return response

        return get

    def selector(day: dt.date):
        return lambda: staff_day_sheet(tenant=w.tenant, day=day)

    queries, html_bytes = {}, {}
    for n in SIZES:
        page(w.days[n])()  # warm up
        with CaptureQueriesContext(connection) as q:
            response = page(w.days[n])()
        queries[n] = len(q)
        html_bytes[n] = len(response.content)
        assert response.content.decode().count('class="charter status-confirmed"') == n
        with CaptureQueriesContext(connection) as q:
            selector(w.days[n])()
        queries[f"selector {n}"] = len(q)

    page_times = {n: [] for n in SIZES}
    selector_times = {n: [] for n in SIZES}
    for _ in range(args.repeat):  # interleaved
        for n in SIZES:
            page_times[n] += timed(page(w.days[n]), 1)
            selector_times[n] += timed(selector(w.days[n]), 1)
    page_med = {n: median(t) for n, t in page_times.items()}
    sel_med = {n: median(t) for n, t in selector_times.items()}

    report(
        f"Staff day sheet page, one brand's day with {' / '.join(map(str, SIZES))} charters (3 crew, 5 checks each)",
        [
            ("queries per page", _equal(*(queries[n] for n in SIZES))),
            ("queries, selector alone", _equal(*(queries[f"selector {n}"] for n in SIZES))),
            ("HTML size", " / ".join(f"{html_bytes[n] / 1024:.0f} KiB" for n in SIZES)),
            ("page median", " / ".join(f"{page_med[n] * 1e3:.1f} ms" for n in SIZES)),
            ("selector median", " / ".join(f"{sel_med[n] * 1e3:.1f} ms" for n in SIZES)),
            ("page ratio 40 / 10 (charters x4)", f"{page_med[40] / page_med[10]:.2f}"),
            ("page ratio 40 / 2 (charters x20)", f"{page_med[40] / page_med[2]:.2f}"),
            ("page time per charter, 10 / 40", f"{page_med[10] / 10 * 1e3:.2f} / {page_med[40] / 40 * 1e3:.2f} ms"),
            ("requests per size", str(args.repeat)),
        ],
    )

    pdf_times = {10: [], 40: []}
    pdf_info = {}
    for n in pdf_times:
        response = pdf(w.days[n])()  # warm up (fonts, pango)
        reader = PdfReader(io.BytesIO(response.content))
        pdf_info[n] = (len(reader.pages), len(response.content))
    for _ in range(args.pdf_repeat):
        for n in pdf_times:
            pdf_times[n] += timed(pdf(w.days[n]), 1)
    pdf_med = {n: median(t) for n, t in pdf_times.items()}
    report(
        "Day sheet PDF (WeasyPrint), 10 and 40 charters",
        [
            ("pages", f"{pdf_info[10][0]} / {pdf_info[40][0]}"),
            ("size", f"{pdf_info[10][1] / 1024:.0f} / {pdf_info[40][1] / 1024:.0f} KiB"),
            ("median", f"{pdf_med[10] * 1e3:.0f} / {pdf_med[40] * 1e3:.0f} ms"),
            ("ratio 40 / 10", f"{pdf_med[40] / pdf_med[10]:.2f}"),
            ("PDF of 40 / HTML page of 40", f"{pdf_med[40] / page_med[40]:.1f}x"),
            ("renders per size", str(args.pdf_repeat)),
        ],
    )

    captain_q = {}
    for n in (2, 40):
        crew_client = w.captain_client(n)
        url = f"/crew/events/{w.captain_events[n]}/sheet/"
        assert crew_client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as q:
            response = crew_client.get(url)
        assert response.status_code == 200 and b"Captain&#x27;s sheet" in response.content
        captain_q[n] = len(q)
    report("Captain's sheet (one charter), on a day with 2 / 40 charters", [("queries", _equal(*captain_q.values()))])


class World:
    """One brand with 8 boats; a day with each size of the sheet, all starting within 24 hours
    of the captain's check so their copy is open."""

    @classmethod
    def build(cls) -> World:
        from django.utils import timezone

        from bookings.models import CalendarEntry
        from tests.factories import (
            BoatFactory,
            BookingFactory,
            ChecklistFactory,
            CrewMemberFactory,
            TenantFactory,
            assign,
            staff_user,
        )

        w = cls()
        w.tenant = TenantFactory(name="Busy brand", slug="busy-brand")
        zone = w.tenant.zone
        boats = [BoatFactory(tenant=w.tenant, name=f"Boat {k + 1}", capacity=20) for k in range(BOATS)]
        for boat in boats:
            ChecklistFactory(boat=boat, items=[f"Check {k}" for k in range(1, 6)])
        w.staff = staff_user(w.tenant, username="bench-staff")
        today = timezone.localtime(timezone.now(), zone).date()
        w.days, w.captain_events, w.captains = {}, {}, {}
        for k, n in enumerate(SIZES):
            day = today + dt.timedelta(days=30 + k)  # the sheet pages; the captain's copy is checked below
            w.days[n] = day
            for i in range(n):
                start = dt.datetime.combine(day, dt.time(7, 0), tzinfo=zone) + dt.timedelta(minutes=90) * (i // BOATS)
                booking = BookingFactory(
                    tenant=w.tenant,
                    boat=boats[i % BOATS],
                    guest_name=f"Guest {n}-{i}",
                    start=start,
                    end=start + dt.timedelta(hours=1),
                )
                event = booking.crew_event
                event.weather_briefing = "NW 10-15 kn, swell 3 ft."
                event.logistics = "Park in lot B."
                event.gate_code = "4711#"
                event.save()
                captain = assign(booking, CrewMemberFactory(tenants=[w.tenant]), "captain", "50", "2")
                for _ in range(2):
                    assign(booking, CrewMemberFactory(tenants=[w.tenant]), "deckhand", "25", "2")
                if i == 0:
                    w.captain_events[n] = event.pk
                    w.captains[n] = captain
            CalendarEntry.objects.create(
                tenant=w.tenant,
                title="Blackout",
                kind=CalendarEntry.Kind.BLACKOUT,
                start=dt.datetime.combine(day, dt.time(22, 0), tzinfo=zone),
                end=dt.datetime.combine(day, dt.time(23, 0), tzinfo=zone),
            )
        return w

    def captain_client(self, n: int):
        """A crew session for the first charter's captain, with the details window stretched to reach it."""
        from django.conf import settings
        from django.test import Client

        from crew.links import link_token

        settings.CREW_DETAILS_HOURS_BEFORE_START = 24 * 90
        client = Client()
        path = f"/crew/link/{link_token(self.captains[n])}/"
        client.get(path)
        assert client.post(path).status_code == 302
        return client


def _equal(*counts: int) -> str:
    return " / ".join(map(str, counts)) + ("  (equal)" if len(set(counts)) == 1 else "  (NOT equal)")


if __name__ == "__main__":
    main()
