#!/bin/sh
# A throw-away PostgreSQL cluster for the test suite: initdb in a temp folder,
# pg_ctl on a local port, as the `postgres` user (initdb and pg_ctl refuse
# root). `start DIR PORT` prints the URL tests read from PG_TEST_URL;
# `stop DIR` stops the cluster and removes DIR.
set -eu
cmd=${1:?usage: pg-test-cluster.sh start DIR [PORT] | stop DIR}
dir=${2:?folder for the cluster}
port=${3:-5433}
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$pgbin" ] || { echo "pg-test-cluster: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$cmd" in
start)
  mkdir -p "$dir"
  [ "$(id -u)" != 0 ] || chown postgres: "$dir"
  as_postgres "$pgbin/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
  # fsync off: the cluster lives for one test run; durability is not under test.
  as_postgres "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
  "$pgbin/psql" -h "$dir" -p "$port" -U postgres -q -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE app LOGIN PASSWORD 'app' CREATEDB" -c "CREATE DATABASE app OWNER app" >/dev/null
  echo "postgresql://app:app@127.0.0.1:$port/app"
  ;;
stop)
  if [ -d "$dir/data" ]; then as_postgres "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true; fi
  rm -rf "$dir"
  ;;
*) echo "usage: pg-test-cluster.sh start DIR [PORT] | stop DIR" >&2; exit 2 ;;
esac
