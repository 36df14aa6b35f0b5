# Multi-stage build: install the pinned dependencies and train the model in a build stage, then serve it
# with gunicorn as a non-root user. scripts/docker_check.sh replays the RUN lines of the build stage in a
# clean virtual environment (no Docker engine runs on the development machines), so keep each RUN on one line.
FROM python:3.11-slim AS build
ENV VENV=/opt/venv PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY service service
COPY training training
COPY data data
COPY seeds seeds
COPY models/README.md models/README.md
RUN python -m venv "$VENV" && "$VENV/bin/pip" install --no-cache-dir --quiet -e .
RUN "$VENV/bin/python" -m training train

FROM python:3.11-slim
ENV VENV=/opt/venv PYTHONDONTWRITEBYTECODE=1 FRAMING_BIND=0.0.0.0:8000
RUN useradd --create-home --uid 10001 framing
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=root:root /app /app
# The code and model stay read-only to the service; only var/ (the feedback database) is writable.
RUN mkdir -p /app/var && chown framing /app/var
VOLUME /app/var
WORKDIR /app
USER framing
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/opt/venv/bin/python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status == 200 else 1)"]
ENTRYPOINT ["/opt/venv/bin/gunicorn", "-c", "service/gunicorn.conf.py", "service.wsgi:app"]
