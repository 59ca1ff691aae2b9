#!/bin/sh
# Picks the service and replaces this shell with the ASGI server (exec), so SIGTERM from the
# container runtime reaches the server directly and it shuts down gracefully.
set -eu
service="${1:-}"
case "$service" in
  auth|chat|mail) shift ;;
  # The one-shot step that declares the JetStream streams and durables (no service may).
  nats-setup) exec python -m service_kit.messaging.stream_setup ;;
  *) echo "usage: entrypoint auth|chat|mail|nats-setup [extra uvicorn options]" >&2; exit 64 ;;
esac
# X-Forwarded-For/-Proto count only from the edge proxies in FORWARDED_ALLOW_IPS (addresses
# or networks, comma-separated); unset trusts none. Trusting everyone would let any client
# pick its own address and walk past every per-address limit, so it is refused.
trusted="${FORWARDED_ALLOW_IPS:-}"
case ",$trusted," in
  *,\*,*|*,0.0.0.0/0,*|*,::/0,*)
    echo "FORWARDED_ALLOW_IPS must name the edge proxies, not everyone ($trusted)" >&2
    exit 64 ;;
esac
if [ -n "$trusted" ]; then
  set -- --proxy-headers --forwarded-allow-ips "$trusted" "$@"
else
  set -- --no-proxy-headers "$@"
fi
exec uvicorn "${service}_svc.asgi:app" \
  --host 0.0.0.0 --port "${PORT:-8000}" \
  --root-path "${ROOT_PATH:-}" \
  --http service_kit.serving.http_limits:HeaderLimitedHttpToolsProtocol \
  --timeout-keep-alive 5 \
  --timeout-graceful-shutdown 10 \
  --no-server-header --no-access-log \
  "$@"
