# syntax=docker/dockerfile:1
# The Fairway image: one image, three commands (`fairway worker`, `fairway api`,
# `fairway migrate`). Settings come from FAIRWAY_ environment variables; see README.

# The console's front-end assets (api/console): its packages from the npm registry, pinned by
# the committed lockfile, built into api/console/static/build as `make` builds them.
FROM node:20-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY api/console/styles api/console/styles
COPY scripts/build-console-assets.sh scripts/
RUN sh scripts/build-console-assets.sh

# Build wheels for Fairway and everything it needs, so the runtime image holds no build tools
# and no source tree.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY . .
COPY --from=assets /src/api/console/static/build api/console/static/build
RUN pip wheel --wheel-dir /wheels '.[tracing]'

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# A regular (not editable) install of the project from its wheel, nothing fetched at run time;
# with the tracing packages, which stay idle until an OTLP endpoint is set.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels 'fairway[tracing]'
RUN groupadd --system --gid 10001 fairway \
    && useradd --system --uid 10001 --gid fairway --create-home --home-dir /home/fairway fairway
USER 10001:10001
WORKDIR /home/fairway
ENV FAIRWAY_API_HOST=0.0.0.0 FAIRWAY_API_PORT=8000
EXPOSE 8000 9464
CMD ["fairway", "api"]
