#!/usr/bin/env bash
# Make sure a RabbitMQ broker answers on 127.0.0.1:5672 with the management plugin
# (nameko's test fixtures create a vhost per test through the management API).
# Starts the local broker if it is installed and down; otherwise says how to get one.
set -uo pipefail

amqp_up() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }
mgmt_up() { curl -fsS -u guest:guest http://127.0.0.1:15672/api/overview >/dev/null 2>&1; }

if [ -n "${AMQP_URI:-}" ] && [ "${ENSURE_LOCAL_RABBITMQ:-1}" = "0" ]; then
  exit 0  # an external broker was configured; nothing to start here
fi

if ! amqp_up; then
  if command -v rabbitmq-server >/dev/null 2>&1; then
    echo "RabbitMQ is down: starting it (rabbitmq-server -detached)"
    rabbitmq-server -detached >/dev/null 2>&1 || true
    for _ in $(seq 1 60); do amqp_up && break; sleep 1; done
  else
    cat >&2 <<'MSG'
RabbitMQ is not running on 127.0.0.1:5672 and is not installed.
Install it, then run this command again:
  Debian/Ubuntu:  sudo apt-get install -y rabbitmq-server && sudo rabbitmq-server -detached
  macOS:          brew install rabbitmq && brew services start rabbitmq
  Docker:         docker run -d -p 5672:5672 -p 15672:15672 rabbitmq:3-management
or point AMQP_URI at a broker you have and set ENSURE_LOCAL_RABBITMQ=0.
MSG
    exit 1
  fi
fi
if ! amqp_up; then
  echo "RabbitMQ did not come up on 127.0.0.1:5672 within 60 s; see its logs (rabbitmq-diagnostics status)." >&2
  exit 1
fi

if ! mgmt_up; then
  if command -v rabbitmq-plugins >/dev/null 2>&1; then
    rabbitmq-plugins enable rabbitmq_management >/dev/null 2>&1 || true
    for _ in $(seq 1 60); do mgmt_up && break; sleep 1; done
  fi
fi
if ! mgmt_up; then
  echo "RabbitMQ's management API (http://127.0.0.1:15672, used by the tests) does not answer: run 'rabbitmq-plugins enable rabbitmq_management'." >&2
  exit 1
fi
echo "RabbitMQ is up (AMQP 127.0.0.1:5672, management 127.0.0.1:15672)"
