#!/usr/bin/env bash
# The chat-page benchmark drives load with Debian's wrk; install it when it is missing.
set -euo pipefail
command -v wrk >/dev/null && exit 0
echo "bench: installing Debian's wrk (apt-get install -y wrk)" >&2
if [ "$(id -u)" = 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
elif command -v sudo >/dev/null; then
  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
else
  echo "bench: wrk is missing and this user cannot apt-get; run 'apt-get install -y wrk' as root" >&2
  echo "bench: the chat-page benchmark is skipped until then" >&2
fi
