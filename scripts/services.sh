#!/usr/bin/env bash
# Throwaway Mosquitto and PostgreSQL for the test suite, on free loopback ports.
#
#   scripts/services.sh install      # apt-get install what is missing (root, Debian)
#   eval "$(scripts/services.sh start)"   # start both; prints `export ...` lines
#   scripts/services.sh env          # print the exports of the running pair again
#   scripts/services.sh stop         # stop both and delete their files
#
# Everything lives in one temporary folder (data, config, logs, sockets); its path is
# kept in var/services.dir (or $THINGMIND_SERVICES_POINTER, so that several people on one
# checkout keep separate pairs) so that `stop` finds it. Nothing listens beyond 127.0.0.1.
# The exports are THINGMIND_TEST_BROKER=mqtt://127.0.0.1:PORT and
# THINGMIND_TEST_PG=postgresql://thingmind@127.0.0.1:PORT/thingmind_test.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
POINTER="${THINGMIND_SERVICES_POINTER:-$ROOT/var/services.dir}"
PG_USER=thingmind
PG_DB=thingmind_test
export PATH="$PATH:/usr/sbin:/sbin"

log() { printf 'services: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

pg_bin() {
    # The newest server under /usr/lib/postgresql, else whatever is on PATH.
    local dir
    dir="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
    if [[ -n "$dir" && -x "$dir/pg_ctl" ]]; then
        printf '%s\n' "$dir"
    elif command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
    fi
}

have_mosquitto() { command -v mosquitto >/dev/null 2>&1; }
have_postgres() { [[ -n "$(pg_bin)" ]]; }

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Run a command as the PostgreSQL owner: postgres refuses to run as root.
as_pg() {
    if [[ $EUID -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

wait_for_port() {
    local port=$1 what=$2
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    die "$what did not listen on 127.0.0.1:$port within 10 s"
}

cmd_install() {
    local pkgs=()
    have_mosquitto || pkgs+=(mosquitto)
    have_postgres || pkgs+=(postgresql)
    # For the browser tests of the dashboard.
    command -v chromium >/dev/null 2>&1 || pkgs+=(chromium)
    command -v chromedriver >/dev/null 2>&1 || pkgs+=(chromium-driver)
    if [[ ${#pkgs[@]} -eq 0 ]]; then
        log "mosquitto, postgresql and chromium are installed"
        return 0
    fi
    if [[ $EUID -ne 0 ]]; then
        die "missing ${pkgs[*]}: install them (apt-get install -y ${pkgs[*]}) or run as root"
    fi
    command -v apt-get >/dev/null 2>&1 || die "missing ${pkgs[*]} and no apt-get to install them"
    log "installing ${pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    local aptlog
    aptlog="$(mktemp "${TMPDIR:-/tmp}/thingmind-apt.XXXXXX")"
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${pkgs[@]}"; } \
        </dev/null >"$aptlog" 2>&1; then
        tail -n 40 "$aptlog" >&2
        die "apt-get install ${pkgs[*]} failed (full log: $aptlog)"
    fi
    rm -f "$aptlog"
    log "installed ${pkgs[*]}"
}

start_mosquitto() {
    local dir=$1 port
    port="$(free_port)"
    mkdir -p "$dir/mosquitto"
    {
        echo "listener $port 127.0.0.1"
        echo "allow_anonymous true"
        echo "persistence true"
        echo "persistence_location $dir/mosquitto/"
        echo "log_dest stderr"
        echo "log_type error"
        echo "log_type warning"
        echo "log_type notice"
        # As root, mosquitto drops to this user: it must own its folder.
        if [[ $EUID -eq 0 ]]; then
            if id mosquitto >/dev/null 2>&1; then
                echo "user mosquitto"
            else
                echo "user root"
            fi
        fi
    } >"$dir/mosquitto/mosquitto.conf"
    if [[ $EUID -eq 0 ]] && id mosquitto >/dev/null 2>&1; then
        chown -R mosquitto "$dir/mosquitto"
    fi
    mosquitto -c "$dir/mosquitto/mosquitto.conf" \
        </dev/null >"$dir/mosquitto.log" 2>&1 &
    echo $! >"$dir/mosquitto.pid"
    wait_for_port "$port" mosquitto || { cat "$dir/mosquitto.log" >&2; return 1; }
    echo "$port" >"$dir/mosquitto.port"
    log "mosquitto on 127.0.0.1:$port (pid $(cat "$dir/mosquitto.pid"))"
}

start_postgres() {
    local dir=$1 bin port
    bin="$(pg_bin)"
    [[ -n "$bin" ]] || die "no PostgreSQL server found; run: scripts/services.sh install"
    port="$(free_port)"
    mkdir -p "$dir/pg"
    if [[ $EUID -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || die "running as root needs the 'postgres' user (apt-get install postgresql)"
        chown postgres: "$dir/pg"
    fi
    as_pg "$bin/initdb" -D "$dir/pg/data" -U "$PG_USER" -A trust -E UTF8 --no-locale \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
    # fsync off: a throwaway cluster need not survive a power cut, and tests run faster.
    as_pg "$bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/postgres.log" -w -t 60 \
        -o "-p $port -k $dir/pg -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" \
        start >/dev/null || { cat "$dir/pg/postgres.log" >&2; return 1; }
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$PG_USER" "$PG_DB"
    echo "$port" >"$dir/pg.port"
    log "postgresql on 127.0.0.1:$port (data in $dir/pg/data)"
}

write_env() {
    local dir=$1
    {
        echo "export THINGMIND_TEST_BROKER=mqtt://127.0.0.1:$(cat "$dir/mosquitto.port")"
        echo "export THINGMIND_TEST_PG=postgresql://$PG_USER@127.0.0.1:$(cat "$dir/pg.port")/$PG_DB"
    } >"$dir/env"
}

current_dir() {
    [[ -f "$POINTER" ]] && cat "$POINTER"
}

cmd_start() {
    local old dir
    old="$(current_dir || true)"
    if [[ -n "$old" && -d "$old" ]]; then
        log "stopping the services of an earlier run ($old)"
        cmd_stop "$old"
    fi
    have_mosquitto || die "mosquitto is missing; run: scripts/services.sh install"
    have_postgres || die "PostgreSQL is missing; run: scripts/services.sh install"
    dir="$(mktemp -d "${TMPDIR:-/tmp}/thingmind-services.XXXXXX")"
    chmod 755 "$dir"  # the postgres and mosquitto users must reach their folders
    mkdir -p "$(dirname "$POINTER")"
    echo "$dir" >"$POINTER"
    if ! start_mosquitto "$dir" || ! start_postgres "$dir"; then
        log "start failed; cleaning up"
        cmd_stop "$dir"
        exit 1
    fi
    write_env "$dir"
    cat "$dir/env"
}

cmd_env() {
    local dir
    dir="$(current_dir || true)"
    [[ -n "$dir" && -f "$dir/env" ]] || die "no services running (scripts/services.sh start)"
    cat "$dir/env"
}

cmd_stop() {
    local dir=${1:-} bin pid
    [[ -n "$dir" ]] || dir="$(current_dir || true)"
    if [[ -z "$dir" || ! -d "$dir" ]]; then
        log "no services to stop"
        rm -f "$POINTER"
        return 0
    fi
    if [[ -d "$dir/pg/data" ]]; then
        bin="$(pg_bin)"
        if [[ -n "$bin" ]] && as_pg "$bin/pg_ctl" -D "$dir/pg/data" status >/dev/null 2>&1; then
            as_pg "$bin/pg_ctl" -D "$dir/pg/data" -m fast -w -t 30 stop >/dev/null ||
                as_pg "$bin/pg_ctl" -D "$dir/pg/data" -m immediate stop >/dev/null || true
            log "postgresql stopped"
        fi
    fi
    if [[ -f "$dir/mosquitto.pid" ]]; then
        pid="$(cat "$dir/mosquitto.pid")"
        if kill "$pid" 2>/dev/null; then
            for _ in $(seq 1 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -9 "$pid" 2>/dev/null || true
            log "mosquitto stopped"
        fi
    fi
    rm -rf "$dir"
    if [[ "$(current_dir || true)" == "$dir" ]]; then
        rm -f "$POINTER"
    fi
}

case "${1:-}" in
    install) cmd_install ;;
    start) cmd_start ;;
    env) cmd_env ;;
    stop) cmd_stop "${2:-}" ;;
    *)
        echo "usage: $0 install|start|env|stop [DIR]" >&2
        exit 2
        ;;
esac
