# syntax=docker/dockerfile:1.7
# One image for the API, the Celery workers and beat: the container's args choose the role
# (charts/wastecoach). Default: the API, one uvicorn process (docs/deploy.md says why).
#
#   docker build -t ghcr.io/wastecoach/wastectl:$(git rev-parse --short HEAD) .

ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

# --- build: a virtualenv with the runtime dependencies, pinned by requirements.lock ------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# Dependencies first (cached while only the code changes). The lock also pins the dev tools;
# used as constraints it installs exactly the locked versions of the runtime dependencies only.
COPY requirements.lock pyproject.toml README.md ./
COPY api ./api
COPY workers ./workers
COPY wastectl ./wastectl
RUN pip install --constraint requirements.lock . \
    && python -m compileall -q /opt/venv/lib \
    && pip check

# --- runtime: no compilers, no pip cache, no source tree, a non-root user ---------------------
FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.source="https://github.com/wastecoach/wastectl" \
      org.opencontainers.image.description="AI Waste Coach API, Celery workers and beat"
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    WASTE_DATA_DIR=/tmp/wastecoach
RUN groupadd --system --gid 10001 waste \
    && useradd --system --uid 10001 --gid waste --no-create-home --home-dir /tmp --shell /usr/sbin/nologin waste
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
USER 10001:10001
EXPOSE 8000 9808
# Everything written at run time goes to /tmp (an emptyDir in the chart): the root FS is read-only.
CMD ["uvicorn", "api.asgi:app", "--host=0.0.0.0", "--port=8000", "--proxy-headers", "--no-server-header"]
