# Community service centre / 12345 hotline backend.
#
# Commands run from /srv/csc: the settings find alembic.ini and seed/ next to
# the `app` package, and `python -m app` imports the copy in the working
# directory. `pip install .` brings in the dependencies.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv/csc

# Only the project's own files. The local .venv/, data/ (database, keys.json)
# and .git/ never go into the image.
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY alembic ./alembic
COPY seed ./seed

RUN pip install . \
    && rm -rf build *.egg-info \
    && useradd --system --uid 10001 --home-dir /srv/csc --shell /usr/sbin/nologin csc \
    && mkdir -p /srv/csc/data \
    && chown csc /srv/csc/data

USER csc
EXPOSE 8000

# With no DATABASE_URL this serves SQLite under /srv/csc/data. Mount a volume
# there to keep it. docker-compose.yml runs it on PostgreSQL instead.
CMD ["python", "-m", "app", "serve", "--host", "0.0.0.0", "--port", "8000"]
