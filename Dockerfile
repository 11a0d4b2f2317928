# dynaguard service image for Amazon DynamoDB (aws mode): gunicorn managing uvicorn workers.
#   docker build -t dynaguard .
#   docker run --read-only --tmpfs /tmp -p 8000:8000 \
#     -e DYNAGUARD_TABLE=... -e AWS_REGION=... -e DYNAGUARD_OIDC_ISSUER=... \
#     -e DYNAGUARD_OIDC_AUDIENCE=... -e DYNAGUARD_CURSOR_SECRET=... dynaguard
# It runs as an unprivileged user and writes nothing outside /tmp, so a read-only root file
# system works. It never starts DynamoDB Local (the ASGI factory does not).

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
# a virtualenv that the runtime stage copies whole: pip, wheels and sources stay behind here
RUN python -m venv /opt/dynaguard \
    && /opt/dynaguard/bin/pip install --no-compile ".[gunicorn]" \
    && /opt/dynaguard/bin/python -m compileall -q /opt/dynaguard/lib \
    && /opt/dynaguard/bin/pip uninstall -y pip

FROM python:3.11-slim
RUN groupadd --system --gid 10001 dynaguard \
    && useradd --system --uid 10001 --gid dynaguard --no-create-home --shell /usr/sbin/nologin dynaguard
COPY --from=build /opt/dynaguard /opt/dynaguard
ENV PATH=/opt/dynaguard/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DYNAGUARD_MODE=aws \
    DYNAGUARD_DATA_DIR=/tmp/dynaguard \
    DYNAGUARD_CACHE_DIR=/tmp/dynaguard-cache
USER 10001:10001
WORKDIR /tmp
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
# the worker class applies dynaguard's header bounds (size, time, idle keep-alive) from DYNAGUARD_*
CMD ["gunicorn", "--worker-class", "dynaguard.entrypoints.gunicorn_worker.BoundedUvicornWorker", \
     "--workers", "2", \
     "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/tmp", \
     "dynaguard.entrypoints.asgi:create_app_from_env()"]
