# Recipes run inside the project venv; `./run <recipe>` installs everything first.
set shell := ["bash", "-euo", "pipefail", "-c"]
export PATH := justfile_directory() + "/.venv/bin:" + env_var('PATH')

# List the recipes
default:
    @just --list

# Start the whole app: NATS, Valkey, maildev and the three services (ports: --help)
dev *ARGS:
    python -m devstack {{ARGS}}

# The staging rehearsal on real processes: 3-node NATS cluster (R3 streams), 2 chat replicas
stage *ARGS:
    python -m devstack --stage {{ARGS}}

# The test suite's first tier: unit, integration, browser (~17 min on 2 cores)
test *ARGS:
    pytest -m "not slow" {{ARGS}}

# The second tier: whole topologies (stage and chaos, the database killed, devstack, bench --quick)
test-slow *ARGS:
    pytest -m slow {{ARGS}}

# Both tiers, as CI runs them
test-all *ARGS:
    pytest {{ARGS}}

# Declare the JetStream streams and durable consumers as the NATS setup user (NATS_URL,
# NATS_SETUP_PASSWORD, NATS_STREAM_REPLICAS); services refuse to start until both are as declared
nats-setup:
    python -m service_kit.messaging.stream_setup

# Make the account with this e-mail address an administrator (recovery; MONGODB_URL etc.)
admin EMAIL:
    python -m auth_svc.joining.make_admin "{{EMAIL}}"

# Rebuild the search index from the database (asks the chat replica that writes it; with
# none running, the next one to start rebuilds it)
search-rebuild:
    python -m chat_svc.search.rebuild_command

# Fast tests that need no server
test-unit *ARGS:
    pytest tests/unit {{ARGS}}

# Tests against real NATS, Valkey and SMTP servers started by fixtures
test-integration *ARGS:
    pytest tests/integration {{ARGS}}

# SIGKILL each kind of process in turn under load on the supervised stage (~3 min); report in test-artifacts/chaos-report.md
test-chaos *ARGS:
    pytest tests/integration/stage/test_chaos.py {{ARGS}}

# The user's scenario in a real Chromium against the whole stack
test-e2e *ARGS:
    pytest tests/e2e {{ARGS}}

# Run the browser tests and refresh the README's screenshots from what they saw
screenshots:
    pytest tests/e2e
    cp test-artifacts/screenshots/*.png docs/screenshots/

# ruff (lint + format check), mypy strict, hadolint and dclint
lint: lint-deploy
    ruff check .
    ruff format --check .
    mypy .

# Dockerfile and compose files, checked without a Docker engine
lint-deploy:
    hadolint Dockerfile
    node_modules/.bin/dclint compose.yml compose.override.yml --max-warnings 0

# Format and auto-fix
fmt:
    ruff format .
    ruff check --fix .

# Benchmarks into docs/performance.md (~10-13 min); `--quick` only proves they run (bench/README.md)
bench *ARGS:
    bench/ensure_wrk.sh
    python -m bench {{ARGS}}

# What CI runs
ci: lint test-all
