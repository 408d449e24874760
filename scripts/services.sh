#!/usr/bin/env bash
# Sourced by test.sh: makes sure the database servers the tests run against
# are up, and points the tests at them.
#
#   TEST_BACKENDS   which backends to test (default: "sqlite postgres mysql");
#                   SQLite always runs, it needs no server
#   TEST_POSTGRES_URL  default postgres://postgres@127.0.0.1:5432/postgres
#   TEST_MYSQL_URL     default mysql://root@127.0.0.1:3306 (MariaDB or MySQL)
#
# The URLs need a user that may create and drop databases: every test makes
# its own (named chat_scratch_*) and drops it afterwards. A server that is
# down is started if this machine has it installed (Debian's packages).

backends=${TEST_BACKENDS:-sqlite postgres mysql}
say() { printf '\033[1;34m[services]\033[0m %s\n' "$*"; }

wait_for() { # name, probe command...
  local name=$1; shift
  for _ in $(seq 1 30); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 1
  done
  say "$name did not come up"; return 1
}

if [[ " $backends " == *" postgres "* ]]; then
  export TEST_POSTGRES_URL=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
  if ! pg_isready -q -d "$TEST_POSTGRES_URL" 2>/dev/null && command -v pg_ctlcluster >/dev/null; then
    say "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | tail -1)" main start || true
    wait_for PostgreSQL pg_isready -q -d "$TEST_POSTGRES_URL"
  fi
  # Scratch databases left by an interrupted run.
  psql -d "$TEST_POSTGRES_URL" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'chat\_scratch\_%'" 2>/dev/null |
    while read -r db; do psql -d "$TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"; done || true
else
  unset TEST_POSTGRES_URL
fi

if [[ " $backends " == *" mysql "* ]]; then
  export TEST_MYSQL_URL=${TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306}
  mysql_client() { mariadb -h127.0.0.1 -uroot "$@" 2>/dev/null || mysql -h127.0.0.1 -uroot "$@"; }
  if ! mysql_client -e 'SELECT 1' >/dev/null 2>&1 && command -v mariadbd >/dev/null; then
    say "starting MariaDB"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
    wait_for MariaDB mysql_client -e 'SELECT 1'
  fi
  if [[ "$TEST_MYSQL_URL" == mysql://root@127.0.0.1:3306* ]]; then
    mysql_client -N -e "SHOW DATABASES LIKE 'chat\_scratch\_%'" 2>/dev/null |
      while read -r db; do mysql_client -e "DROP DATABASE IF EXISTS \`$db\`"; done || true
  fi
else
  unset TEST_MYSQL_URL
fi
say "testing on: $backends"
