# Sourced by the package checks: a private PostgreSQL 15 on a Unix socket
# only (listen_addresses = ''), in a folder of the caller's choosing, so no
# TCP port is assumed free. As root it runs as the `postgres` user, since
# initdb refuses root. Stopped by the pid of its postmaster, nothing else.
#
#   start_postgres DATA_DIR SOCKET_DIR    then: stop_postgres
pg_bindir=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
pg_data=
pg_as=()

start_postgres() {
  pg_data=$1
  local sockets=$2
  [ "$(id -u)" -eq 0 ] && pg_as=(runuser -u postgres --)
  mkdir -p "$pg_data" "$sockets"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$pg_data" "$sockets"
  chmod 0700 "$pg_data"
  "${pg_as[@]}" "$pg_bindir/initdb" -D "$pg_data" -U postgres --auth=trust -E UTF8 \
    --locale=C.UTF-8 --no-sync >"$pg_data.initdb.log" 2>&1 || { cat "$pg_data.initdb.log" >&2; return 1; }
  cat >>"$pg_data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$sockets'
fsync = off
CONF
  "${pg_as[@]}" "$pg_bindir/pg_ctl" -D "$pg_data" -l "$pg_data.log" -w -t 60 start >/dev/null ||
    { cat "$pg_data.log" >&2; return 1; }
}

stop_postgres() {
  [ -n "$pg_data" ] && [ -f "$pg_data/postmaster.pid" ] || return 0
  local pid
  pid=$(head -n 1 "$pg_data/postmaster.pid")
  kill -INT "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
