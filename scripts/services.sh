#!/usr/bin/env bash
# Sourced by test.sh: makes sure the database servers the tests run against
# are up, and points the tests at them.
#
#   TEST_BACKENDS      which backends to test (default: "sqlite postgres mysql");
#                      SQLite always runs, it needs no server
#   TEST_POSTGRES_URL  default postgres://postgres@127.0.0.1:5432/postgres
#   TEST_MYSQL_URL     default mysql://root@127.0.0.1:3306 (MariaDB or MySQL)
#   TEST_REDIS_URL     default redis://127.0.0.1:6379 (Redis 6 or newer)
#
# The URLs need a user that may create and drop databases: every test makes
# its own (named chat_scratch_*) and drops it afterwards. A server that is
# down is started if this machine has it installed (Debian's packages). One
# that still cannot be reached fails the run under CI, and is left out (with
# a warning) elsewhere.

backends=${TEST_BACKENDS:-sqlite postgres mysql}
say() { printf '\033[1;34m[services]\033[0m %s\n' "$*"; }

# Whether something listens at the host and port of a database URL.
listening() { # url default-port
  local rest=${1#*://}
  rest=${rest#*@}
  rest=${rest%%/*}
  local host=${rest%%:*} port=$2
  [[ "$rest" == *:* ]] && port=${rest##*:}
  (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
}

wait_until_listening() { # url default-port
  for _ in $(seq 1 30); do
    listening "$1" "$2" && return 0
    sleep 1
  done
  return 1
}

# Leaves a backend out, or fails under CI.
unreachable() { # name variable
  if [[ -n "${CI:-}" ]]; then
    say "$1 cannot be reached at \$$2; CI tests every backend"; exit 1
  fi
  say "$1 cannot be reached at \$$2: its tests are skipped"
  unset "$2"
  backends=${backends//$3/}
}

# Whether scratch database $1 (chat_scratch_<pid>_…) was left by a test
# process that is gone: one still running (another test run) keeps its own.
left_behind() {
  local pid=${1#chat_scratch_}
  pid=${pid%%_*}
  [[ "$pid" =~ ^[0-9]+$ ]] && ! kill -0 "$pid" 2>/dev/null
}

if [[ " $backends " == *" postgres "* ]]; then
  export TEST_POSTGRES_URL=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
  if ! listening "$TEST_POSTGRES_URL" 5432 && command -v pg_ctlcluster >/dev/null; then
    say "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | tail -1)" main start || true
  fi
  if wait_until_listening "$TEST_POSTGRES_URL" 5432; then
    # Scratch databases left by an interrupted run.
    psql -d "$TEST_POSTGRES_URL" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'chat\_scratch\_%'" 2>/dev/null |
      while read -r db; do
        left_behind "$db" && psql -d "$TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"
      done || true
  else
    unreachable PostgreSQL TEST_POSTGRES_URL postgres
  fi
else
  unset TEST_POSTGRES_URL
fi

if [[ " $backends " == *" mysql "* ]]; then
  export TEST_MYSQL_URL=${TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306}
  if ! listening "$TEST_MYSQL_URL" 3306 && command -v mariadbd >/dev/null; then
    say "starting MariaDB"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
  fi
  if wait_until_listening "$TEST_MYSQL_URL" 3306; then
    if [[ "$TEST_MYSQL_URL" == mysql://root@127.0.0.1:3306* ]] && command -v mariadb >/dev/null; then
      mariadb -h127.0.0.1 -uroot -N -e "SHOW DATABASES LIKE 'chat\_scratch\_%'" 2>/dev/null |
        while read -r db; do
          left_behind "$db" && mariadb -h127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS \`$db\`"
        done || true
    fi
  else
    unreachable MariaDB TEST_MYSQL_URL mysql
  fi
else
  unset TEST_MYSQL_URL
fi
# Redis, for the tests of several nodes (on PostgreSQL and MySQL). Every
# test keeps its keys under a prefix of its own.
export TEST_REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379}
if ! listening "$TEST_REDIS_URL" 6379 && command -v redis-server >/dev/null; then
  say "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || true
fi
if ! wait_until_listening "$TEST_REDIS_URL" 6379; then
  if [[ -n "${CI:-}" ]]; then
    say "Redis cannot be reached at \$TEST_REDIS_URL; CI tests several nodes"; exit 1
  fi
  say "Redis cannot be reached at \$TEST_REDIS_URL: the tests of several nodes are skipped"
  unset TEST_REDIS_URL
fi
say "testing on: $(echo $backends)"
