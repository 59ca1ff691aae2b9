#!/bin/sh
# Picks the service and replaces this shell with the ASGI server (exec), so SIGTERM from the
# container runtime reaches the server directly and it shuts down gracefully.
set -eu
service="${1:-}"
case "$service" in
  auth|chat|mail) shift ;;
  *) echo "usage: entrypoint auth|chat|mail [extra uvicorn options]" >&2; exit 64 ;;
esac
exec uvicorn "${service}_svc.asgi:app" \
  --host 0.0.0.0 --port "${PORT:-8000}" \
  --root-path "${ROOT_PATH:-}" \
  --proxy-headers --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-*}" \
  --timeout-graceful-shutdown 10 \
  --no-server-header --no-access-log \
  "$@"
