#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster for the tests and print `export CI_DATABASE_URL=...`.
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
DATA=${PGDATA_DIR:-/tmp/charterops-pg}
PORT=${PGPORT_CI:-55432}
if ! su postgres -s /bin/sh -c "$PGBIN/pg_ctl -D $DATA status" >/dev/null 2>&1; then
  rm -rf "$DATA" && mkdir -p "$DATA" && chown postgres "$DATA"
  su postgres -s /bin/sh -c "$PGBIN/initdb -D $DATA -U postgres --auth=trust -E UTF8" >/dev/null
  su postgres -s /bin/sh -c "$PGBIN/pg_ctl -D $DATA -o '-p $PORT -k /tmp -c listen_addresses=127.0.0.1' -l $DATA/log -w start" >/dev/null
fi
# The app's own database (pytest creates test_charterops next to it).
su postgres -s /bin/sh -c "$PGBIN/createdb -h 127.0.0.1 -p $PORT -U postgres charterops" 2>/dev/null || true
echo "export CI_DATABASE_URL=postgres://postgres@127.0.0.1:$PORT/charterops"
