# syntax=docker/dockerfile:1
# One image for the three services: they share service_kit, the templates and the lock file,
# so one build and one scan cover all of them. The command picks the service:
#   docker run IMAGE auth | chat | mail

# --- 1. Front-end assets: pinned htmx and its SSE extension from the npm registry -----------------
FROM node:20.20.2-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

# --- 2. Python dependencies from uv.lock (no dev tools, no in-memory store) ----------------
FROM python:3.11.7-slim-bookworm AS builder
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN pip install --no-cache-dir uv==0.13.8
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-default-groups --no-install-project
COPY service_kit/ service_kit/
COPY auth_svc/ auth_svc/
COPY chat_svc/ chat_svc/
COPY mail_svc/ mail_svc/
COPY web_templates/ web_templates/
COPY nats/jetstream.json nats/jetstream.json
COPY --from=assets /build/node_modules/htmx.org/dist/htmx.min.js \
                   /build/node_modules/htmx-ext-sse/dist/sse.min.js \
                   web_templates/static/vendor/
RUN .venv/bin/python -m compileall -q service_kit auth_svc chat_svc mail_svc

# --- 3. Runtime: slim Python, our code and its venv, nothing else --------------------------
FROM python:3.11.7-slim-bookworm AS runtime
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home app \
 && install --directory --owner app --group app /var/lib/chat/search
WORKDIR /app
COPY --from=builder --chown=root:root /app /app
COPY --chmod=0755 deploy/entrypoint.sh /usr/local/bin/entrypoint
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    APP_ENV=production \
    LOG_JSON=true \
    PORT=8000
USER 10001:10001
# 8000: the service; 8001: auth's internal API (AUTH_INTERNAL_PORT), for chat only.
EXPOSE 8000 8001
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['PORT'], timeout=2)"]
ENTRYPOINT ["entrypoint"]
CMD ["chat"]
