"""import_bookings at a constant rate: rows per second, queries per row and peak memory as the tables grow.

For each table size (default 1,000 and 100,000 bookings already there, bulk-inserted with
their calendar entries, crew events, guest pages, outbox rows and history, all in the
past), a fresh database and a subprocess import two generated Boatsetter files through
``call_command("import_bookings")``:

- 1,000 upcoming charters (booking, calendar entry, crew event, guest page through the
  outbox), then
- 1,000 charters that ended before the import (booking and calendar entry only).

It prints rows per second for each, the ratio large/small (target: within 10%), queries
per row (counted with an execute wrapper; target for past rows: <= 12) and peak memory:
growth of resident memory during the import (peak RSS, reset just before it), and with
``--tracemalloc`` the peak of Python allocations (~4x slower).

``--full N`` then imports N upcoming charters (default 100,000; ``--full-kind past``: a
backfill of charters that ended) into an empty database through the command once, and
prints its time, the rate of its first and last tenth and its memory.

Databases: SQLite by default (a temp file per run, WAL, no fsync per commit). With
``DATABASE_URL=postgres://.../NAME`` (NAME must contain "bench": the script empties it
before each run) PostgreSQL, the database created if missing.

Side effects: ``--broker redis`` (the default when ``redis-server`` is installed) enqueues
each guest-page effect to a redis-server started here, as production does, and no worker
runs them; ``--broker inline`` runs them in the importing process after each chunk
commits (rendering and writing every guest page: slower, and not the import's own cost).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from _common import ROOT, bench_env, django_setup, free_port, fresh_database

BOATS = [f"Boat {i:02d}" for i in range(20)]
SLOTS = [(8, 10), (11, 13), (14, 16), (17, 19)]  # local hours: 2-hour charters, turnaround fits between
SEED_BATCH = 5_000


# --- files and seeds ------------------------------------------------------------------
def write_csv(path: Path, rows: int, *, first_day: date, step: int, prefix: str) -> None:
    """``rows`` charters from ``first_day`` on (``step`` +1: forwards, -1: backwards), streamed to disk."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["external_reference", "boat", "guest_name", "guest_email", "party_size", "service_date"]
            + ["start_time", "end_time", "gross_amount", "platform_fee", "port_tax_rate"]
        )
        per_day = len(BOATS) * len(SLOTS)
        for i in range(rows):
            day = first_day + timedelta(days=step * (i // per_day))
            start, end = SLOTS[(i // len(BOATS)) % len(SLOTS)]
            writer.writerow(
                [f"{prefix}-{i:07d}", BOATS[i % len(BOATS)], f"Guest {i}", f"guest{i}@example.com", 1 + i % 6]
                + [day.isoformat(), f"{start:02d}:00", f"{end:02d}:00", f"{300 + i % 2000}.50", "45.00", "18.00"]
            )


def seed(existing: int, *, last_day: date) -> None:
    """``existing`` past bookings and what the import would have made for them, bulk-inserted."""
    import datetime as dt
    from decimal import Decimal

    from bookings.models import Boat, Booking, CalendarEntry, Tenant, occupancy_end
    from crew.models import CrewEvent
    from guestpages.models import GuestPage
    from outbox.models import Effect

    tenant = Tenant.objects.create(
        name="Bench", slug="bench", guest_domain="bench.example.com", s3_bucket="b", sender_email="c@bench.example.com"
    )
    boats = [Boat.objects.create(tenant=tenant, name=name, capacity=12) for name in BOATS]
    per_day = len(boats) * len(SLOTS)
    for first in range(0, existing, SEED_BATCH):
        bookings = []
        for i in range(first, min(first + SEED_BATCH, existing)):
            day = last_day - timedelta(days=i // per_day)
            hour, end_hour = SLOTS[(i // len(boats)) % len(SLOTS)]
            start = dt.datetime.combine(day, dt.time(hour), tenant.zone)
            end = dt.datetime.combine(day, dt.time(end_hour), tenant.zone)
            boat = boats[i % len(boats)]
            bookings.append(
                Booking(
                    tenant=tenant,
                    boat=boat,
                    source="boatsetter",
                    external_reference=f"OLD-{i:07d}",
                    guest_name=f"Earlier guest {i}",
                    party_size=4,
                    start=start,
                    end=end,
                    occupied_until=occupancy_end(end, boat.turnaround_minutes),
                    gross_amount=Decimal("500.00"),
                )
            )
        Booking.objects.bulk_create(bookings)
        Booking.history.bulk_history_create(bookings, custom_historical_attrs={"history_actor": "bench:seed"})
        entries = CalendarEntry.objects.bulk_create(
            [
                CalendarEntry(
                    tenant=tenant, booking=b, boat=b.boat, title=b.guest_name, start=b.start, end=b.end, kind="charter"
                )
                for b in bookings
            ]
        )
        CalendarEntry.history.bulk_history_create(entries, custom_historical_attrs={"history_actor": "bench:seed"})
        CrewEvent.objects.bulk_create([CrewEvent(booking=b) for b in bookings])
        GuestPage.objects.bulk_create([GuestPage(booking=b, slug=f"seed-{b.pk}") for b in bookings])
        Effect.objects.bulk_create(
            [Effect(kind=Effect.Kind.PUBLISH_GUEST_PAGE, target_id=b.pk, booking=b, status="sent") for b in bookings]
        )


# --- measuring inside the child ------------------------------------------------------
def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # Linux: VmHWM := VmRSS
    except OSError:
        return False
    return True


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def timed_import(path: str, rows: int, *, use_tracemalloc: bool, chunk_times: list[float] | None = None) -> dict:
    import io

    from django.core.management import call_command
    from django.db import connection

    if chunk_times is not None:  # when each chunk finished, for the first and last tenth's rates
        from bookings import importing

        real_write = importing.BookingImport.write

        def write(self, parsed):
            results = real_write(self, parsed)
            chunk_times.append(time.perf_counter())
            done = len(chunk_times) * len(parsed)
            if done % max(rows // 20, 1) < len(parsed):  # about every 5%, shown while it runs
                print(f"PROGRESS {done} rows after {chunk_times[-1] - t0:.0f} s", flush=True)
            return results

        importing.BookingImport.write = write
    counter = QueryCounter()
    if use_tracemalloc:
        tracemalloc.start()
    reset = _reset_peak_rss()
    rss_before = _status_kb("VmRSS")
    out, err = io.StringIO(), io.StringIO()
    t0, cpu0 = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(counter):
        call_command("import_bookings", "--source", "boatsetter", "--tenant", "bench", path, stdout=out, stderr=err)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    peak = tracemalloc.get_traced_memory()[1] if use_tracemalloc else 0
    if use_tracemalloc:
        tracemalloc.stop()
    return {
        "rows": rows,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "start": t0,
        "queries_per_row": counter.count / rows,
        "tracemalloc_peak": peak,
        "rss_growth_kb": (_status_kb("VmHWM") - rss_before) if reset else 0,
        "summary": out.getvalue().strip().splitlines()[-1],
        "errors": err.getvalue()[:500],
    }


def child(spec: dict) -> None:
    django_setup(dict(os.environ))
    from django.core.management import call_command

    from bookings.models import Booking

    if spec["postgres"]:
        call_command("flush", interactive=False, verbosity=0)
    t0 = time.perf_counter()
    seed(spec["existing"], last_day=date.fromisoformat(spec["seed_last_day"]))
    result = {"existing": Booking.objects.count(), "seed_seconds": time.perf_counter() - t0, "runs": {}}
    for name, path, rows in spec["files"]:
        times: list[float] = []
        run = timed_import(
            path, rows, use_tracemalloc=spec["tracemalloc"], chunk_times=times if spec["tenths"] else None
        )
        if spec["tenths"] and len(times) >= 10:
            tenth = len(times) // 10  # chunks in a tenth of the file
            chunk_rows = rows / len(times)
            run["first_tenth_rows_per_s"] = tenth * chunk_rows / (times[tenth - 1] - run["start"])
            run["last_tenth_rows_per_s"] = tenth * chunk_rows / (times[-1] - times[-1 - tenth])
        result["runs"][name] = run
    result["bookings_after"] = Booking.objects.count()
    result["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("RESULT " + json.dumps(result))


# --- the parent ------------------------------------------------------------------------
def database_env(database_url: str, broker_url: str) -> tuple[Path, dict[str, str], bool]:
    """A temp dir and the child's environment: a fresh SQLite file in it, or DATABASE_URL's PostgreSQL database."""
    # Debug is off (no query log): the settings then need a real key and the public address.
    extra = {
        "CELERY_BROKER_URL": broker_url,
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
        "CHARTEROPS_BASE_URL": os.environ.get("CHARTEROPS_BASE_URL") or "https://ops.example.com",
    }
    if not database_url.startswith("postgres"):
        return *fresh_database(**extra), False
    tmp = Path(tempfile.mkdtemp(prefix="charterops-bench-"))
    env = bench_env(tmp, **extra)
    env["DATABASE_URL"] = database_url
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT
    )
    return tmp, env, True


def postgres_prepare(database_url: str) -> None:
    """Create the bench's database if missing; refuse one whose name does not say it is a bench's."""
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"DATABASE_URL names {name!r}: use a database whose name contains 'bench' (it is emptied).")
    with psycopg.connect(urlunsplit((parts.scheme, parts.netloc, "/postgres", "", "")), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def run_child(spec: dict, database_url: str, broker_url: str) -> dict:
    tmp, env, spec["postgres"] = database_env(database_url, broker_url)
    lines = []
    try:
        with (
            (tmp / "stderr.txt").open("w+") as errors,
            subprocess.Popen(
                [sys.executable, __file__, "--child", json.dumps(spec)],
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
            ) as proc,
        ):
            for line in proc.stdout:
                lines.append(line)
                if line.startswith("PROGRESS "):
                    print("  " + line[len("PROGRESS ") :].strip(), flush=True)
            proc.wait()
            errors.seek(0)
            stderr = errors.read()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result = next((x for x in lines if x.startswith("RESULT ")), None)
    if result is None:
        raise SystemExit(f"run {spec['existing']} failed:\n{''.join(lines)[-2000:]}\n{stderr[-4000:]}")
    return json.loads(result[len("RESULT ") :])


def mb(kb: float) -> str:
    return f"{kb / 1024:.1f} MB"


def describe(run: dict) -> str:
    text = (
        f"{run['rows'] / run['seconds']:.0f} rows/s ({run['seconds']:.1f} s; "
        f"{run['rows'] / run['cpu_seconds']:.0f} rows per CPU second of the importing process), "
        f"{run['queries_per_row']:.2f} queries/row, RSS growth {mb(run['rss_growth_kb'])}"
    )
    if run["tracemalloc_peak"]:
        text += f", tracemalloc peak {run['tracemalloc_peak'] / 1e6:.2f} MB"
    return text + f"; {run['summary']}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--existing", type=int, nargs="*", default=[1_000, 100_000], help="bookings already there")
    parser.add_argument("--rows", type=int, default=1_000, help="rows per imported file")
    parser.add_argument("--full", type=int, nargs="?", const=100_000, default=0, help="also import N rows once")
    parser.add_argument(
        "--full-kind",
        choices=["upcoming", "past"],
        default="upcoming",
        help="what the --full file holds: upcoming charters, or a backfill of charters that ended",
    )
    parser.add_argument("--tracemalloc", action="store_true", help="Also trace Python allocations (~4x slower).")
    parser.add_argument(
        "--broker", choices=["inline", "redis"], default="redis" if shutil.which("redis-server") else "inline"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith("postgres"):
        postgres_prepare(database_url)
    broker_url, redis = "", None
    if args.broker == "redis":
        port = free_port()
        redis = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        broker_url = f"redis://127.0.0.1:{port}/0"
    try:
        run_all(args, database_url, broker_url)
    finally:
        if redis:
            redis.terminate()
            redis.wait()


def run_all(args, database_url: str, broker_url: str) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="charterops-bench-import-"))
    today = date.today()
    future, past = tmp / "upcoming.csv", tmp / "past.csv"
    # Upcoming charters from a month ahead; past ones ending the day before yesterday; the
    # bookings already there end before both (nothing clashes: the rate is the import's own).
    write_csv(future, args.rows, first_day=today + timedelta(days=30), step=1, prefix="UP")
    write_csv(past, args.rows, first_day=today - timedelta(days=2), step=-1, prefix="PAST")
    past_days = args.rows // (len(BOATS) * len(SLOTS)) + 1
    seed_last_day = (today - timedelta(days=past_days + 3)).isoformat()
    print(f"database: {'PostgreSQL' if database_url.startswith('postgres') else 'SQLite'}; side effects: {args.broker}")
    results = {}
    for existing in args.existing:
        spec = {
            "existing": existing,
            "seed_last_day": seed_last_day,
            "files": [["upcoming", str(future), args.rows], ["past", str(past), args.rows]],
            "tracemalloc": args.tracemalloc,
            "tenths": False,
        }
        r = results[existing] = run_child(spec, database_url, broker_url)
        print(f"{r['existing']:>7} bookings there (seeded in {r['seed_seconds']:.0f} s):", flush=True)
        for name, run in r["runs"].items():
            print(f"  {args.rows} {name:<8} {describe(run)}", flush=True)
    if len(results) >= 2:
        small, large = results[min(results)], results[max(results)]
        for name in small["runs"]:
            a, b = small["runs"][name], large["runs"][name]
            rate = (b["rows"] / b["seconds"]) / (a["rows"] / a["seconds"])
            rss = b["rss_growth_kb"] / a["rss_growth_kb"] if a["rss_growth_kb"] else float("nan")
            line = (
                f"{name}: rate at {large['existing']:,} / at {small['existing']:,} bookings {rate:.2f} (target 0.9-1.1)"
                f", per CPU second of the importing process {a['cpu_seconds'] / b['cpu_seconds']:.2f}"
            )
            line += f"; RSS growth ratio {rss:.2f}"
            if a["tracemalloc_peak"]:
                line += f"; tracemalloc peak ratio {b['tracemalloc_peak'] / a['tracemalloc_peak']:.2f}"
            print(line)
    if args.full:
        path = tmp / "full.csv"
        if args.full_kind == "past":
            write_csv(path, args.full, first_day=today - timedelta(days=2), step=-1, prefix="FULL")
        else:
            write_csv(path, args.full, first_day=today + timedelta(days=30), step=1, prefix="FULL")
        spec = {
            "existing": 0,
            "seed_last_day": seed_last_day,
            "files": [["full", str(path), args.full]],
            "tracemalloc": False,
            "tenths": True,
        }
        r = run_child(spec, database_url, broker_url)
        run = r["runs"]["full"]
        print(
            f"full: {args.full:,} {args.full_kind} rows in {run['seconds'] / 60:.1f} min: {describe(run)}; "
            f"first tenth {run.get('first_tenth_rows_per_s', 0):.0f} rows/s, last tenth "
            f"{run.get('last_tenth_rows_per_s', 0):.0f} rows/s; {r['bookings_after']:,} bookings after"
        )
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
