"""import_bookings of generated Boatsetter CSVs: rows per second and peak memory per size.

Each size runs in its own subprocess on a fresh SQLite database, with tasks
in-process (guest pages rendered to a temp MEDIA_ROOT, email to locmem). Peak
memory is tracemalloc's peak of Python allocations during the command (the
interpreter and Django already loaded are the baseline, not counted) with
``--tracemalloc`` (it slows the import ~4x), and always the growth of resident
memory during the command (peak RSS, reset just before it, minus RSS at its start).
Target: peak(large) / peak(small) <= 1.2.

Each row goes through booking_save and the in-process outbox (guest page render
and write): ~20-50 ms a row on a small machine, so the default sizes are 1,000
and 10,000 (about 10 minutes). The issue's 10,000 and 100,000:

    .venv/bin/python bench/import_bookings.py --sizes 10000 100000
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

from _common import ROOT, django_setup, free_port, fresh_database

BOATS = ["Queen of San Diego", "Little Queen", "Harbor Star", "Sea Breeze"]


def write_csv(path: Path, rows: int) -> None:
    """Streamed to disk, so generating 100,000 rows costs no memory either."""
    rng = random.Random(rows)
    header = "external_reference,boat,guest_name,guest_email,party_size,service_date,start_time,end_time,gross_amount,platform_fee,port_tax_rate\n"
    with path.open("w", newline="") as handle:
        handle.write(header)
        writer = csv.writer(handle)
        first = date(2026, 5, 1)
        for i in range(rows):
            day = first + timedelta(days=i % 700)
            hour = 8 + (i % 4) * 3
            writer.writerow(
                [
                    f"BS-{i:07d}",
                    BOATS[i % len(BOATS)],
                    f"Guest {i}",
                    f"guest{i}@example.com",
                    rng.randint(1, 6),
                    day.isoformat(),
                    f"{hour:02d}:00",
                    f"{hour + 2:02d}:30",
                    f"{rng.randint(300, 2500)}.{rng.randint(0, 99):02d}",
                    "0.00",
                    "18.00",
                ]
            )


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


def child(rows: int, csv_path: str, use_tracemalloc: bool) -> None:
    import os

    django_setup(dict(os.environ))
    from django.core.management import call_command

    from bookings.models import Boat, Booking, Tenant

    tenant = Tenant.objects.create(
        name="Bench", slug="bench", guest_domain="bench.example.com", s3_bucket="b", sender_email="c@bench.example.com"
    )
    for name in BOATS:
        Boat.objects.create(tenant=tenant, name=name, capacity=12)
    if use_tracemalloc:
        tracemalloc.start()
    reset = _reset_peak_rss()
    rss_before = _status_kb("VmRSS")
    out = io.StringIO()
    t0 = time.perf_counter()
    call_command("import_bookings", "--source", "boatsetter", "--tenant", "bench", csv_path, stdout=out)
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] if use_tracemalloc else 0
    result = {
        "rows": rows,
        "seconds": elapsed,
        "tracemalloc_peak": peak,
        "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "rss_growth_kb": (_status_kb("VmHWM") - rss_before) if reset else 0,
        "bookings": Booking.objects.count(),
        "summary": out.getvalue().strip().splitlines()[-1],
    }
    print("RESULT " + json.dumps(result))


def run_size(rows: int, use_tracemalloc: bool, broker_url: str = "") -> dict:
    tmp, env = fresh_database(CELERY_BROKER_URL=broker_url)
    path = tmp / "bookings.csv"
    write_csv(path, rows)
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(rows), str(path)] + (["--tracemalloc"] if use_tracemalloc else []),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"size {rows} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    return json.loads(line[len("RESULT ") :])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--tracemalloc", action="store_true", help="Also trace Python allocations (~4x slower).")
    parser.add_argument(
        "--broker",
        choices=["inline", "redis"],
        default="inline",
        help="inline: side effects run in the importing process (the default, no outside service); "
        "redis: they are enqueued to a redis-server started here, as in production, and no worker runs them.",
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(int(args.child[0]), args.child[1], args.tracemalloc)
        return
    broker_url, redis = "", None
    if args.broker == "redis":
        import shutil

        port = free_port()
        redis = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        broker_url = f"redis://127.0.0.1:{port}/0"
    try:
        _run_sizes(args, broker_url)
    finally:
        if redis:
            redis.terminate()


def _run_sizes(args, broker_url: str) -> None:
    print(f"side effects: {args.broker}", flush=True)
    results = []
    for rows in args.sizes:
        r = run_size(rows, args.tracemalloc, broker_url)
        results.append(r)
        print(
            f"{rows:>7} rows: {r['seconds']:.1f} s, {rows / r['seconds']:.0f} rows/s; "
            f"RSS growth {r['rss_growth_kb'] / 1024:.1f} MB (peak RSS {r['maxrss_kb'] / 1024:.0f} MB)"
            + (f"; tracemalloc peak {r['tracemalloc_peak'] / 1e6:.2f} MB" if r["tracemalloc_peak"] else "")
            + "; "
            f"{r['bookings']} bookings; {r['summary']}",
            flush=True,
        )
    if len(results) >= 2:
        small, large = results[0], results[-1]
        if small["tracemalloc_peak"]:
            print(
                f"peak memory ratio {large['rows']}/{small['rows']} rows (tracemalloc): "
                f"{large['tracemalloc_peak'] / small['tracemalloc_peak']:.2f} (target <= 1.2)"
            )
        if small["rss_growth_kb"]:
            print(
                f"RSS growth ratio {large['rows']}/{small['rows']} rows: "
                f"{large['rss_growth_kb'] / small['rss_growth_kb']:.2f} (target <= 1.2)"
            )
        print(f"peak RSS ratio {large['rows']}/{small['rows']} rows: {large['maxrss_kb'] / small['maxrss_kb']:.2f}")


if __name__ == "__main__":
    main()
