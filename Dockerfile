# syntax=docker/dockerfile:1
#
# The 拘调融合 image. One image runs every Python process of docker-compose.yml: gunicorn (web, the
# default CMD), the Celery worker and beat, and the one-shot `migrate` (DESIGN.md §7).
#
# Two stages: `build` compiles psycopg2 against libpq-dev with gcc into a virtualenv; the final stage
# copies that virtualenv and carries only the run-time libraries, so no compiler ships.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: the dependencies, in /opt/venv --------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev libpq-dev \
 && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY pyproject.toml ./
# pyproject.toml declares `[tool.setuptools] packages = []`: the project is not an installable
# package, its code runs from /app with manage.py. So install exactly the [project] dependencies
# (not the `dev` extra), read with the standard library, rather than building an empty wheel.
# Only pyproject.toml is copied first, so this layer is rebuilt only when the dependencies change.
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; open('requirements.txt', 'w').write(''.join(d + '\n' for d in deps))" \
 && pip install -r requirements.txt

# --- runtime --------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

# libpq5: psycopg2 at run time. WeasyPrint: pango and pangoft2, and libharfbuzz-subset0 (without it
# a Chinese PDF page is ~20x slower, DESIGN.md §7). fonts-noto-cjk: the CJK font the pages and PDFs
# use; fontconfig's fc-cache builds the font cache once here instead of in every process.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        libpq5 \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fontconfig \
        fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/* \
 && fc-cache -f

# A fixed, unprivileged user. Its home holds gunicorn's control socket and caches.
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /home/app --create-home --shell /usr/sbin/nologin app

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=yaoyao_mediation.settings \
    YAOYAO_DATA_DIR=/var/lib/yaoyao

COPY --from=build /opt/venv /opt/venv

# The source, owned by root and so read-only to the `app` user. Listed one folder at a time (no
# `COPY . .`): the checkout's .venv, .devdata (the embedded development database) and .git must not
# reach the image. tests/test_deployment_files.py fails when a local app in INSTALLED_APPS, or
# templates/, static/ or locale/, is missing from this list.
WORKDIR /app
COPY manage.py ./
COPY yaoyao_mediation ./yaoyao_mediation
COPY security ./security
COPY accounts ./accounts
COPY audit ./audit
COPY notifications ./notifications
COPY sweeps ./sweeps
COPY detainees ./detainees
COPY disputes ./disputes
COPY referrals ./referrals
COPY followups ./followups
COPY metrics ./metrics
COPY portal ./portal
COPY casework ./casework
COPY demo ./demo
COPY templates ./templates
COPY static ./static
COPY locale ./locale

# Static files are collected at build time and served by whitenoise. The production profile is used
# so that the manifest of hashed names (CompressedManifestStaticFilesStorage) is the one the running
# app looks up. That profile demands these variables; the values below exist only for this RUN
# line (they are not ENV, so nothing of them stays in the image) and nothing connects to them:
# settings.py opens no database or Redis connection at import, and collectstatic needs neither.
RUN DJANGO_PROFILE=production \
    SECRET_KEY=build-only-collectstatic-key-never-used-at-run-time-0123456789 \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgresql://build@127.0.0.1:1/build \
    REDIS_URL=redis://127.0.0.1:1/0 \
    FIELD_ENCRYPTION_KEYS=build:YnVpbGQtb25seS1uZXZlci11c2VkLWF0LXJ1bnRpbWU= \
    FIELD_HASH_KEY=YnVpbGQtb25seS1oYXNoLWtleS1uZXZlci11c2VkLWF0LXJ1bnRpbWU= \
    python manage.py collectstatic --noinput \
 && python -m compileall -q /app

# YAOYAO_DATA_DIR: beat's schedule file; media/ is MEDIA_ROOT in docker-compose.yml (a volume shared
# by web and worker). Created here and owned by `app`, so a new named volume mounted on either path
# starts with that owner.
RUN mkdir -p /var/lib/yaoyao/media \
 && chown -R app:app /var/lib/yaoyao

USER app

EXPOSE 8000

# 200 while the database answers (yaoyao_mediation/health.py). The request carries a Host that
# ALLOWED_HOSTS accepts (its first entry; a leading-dot entry also matches the bare domain), else
# Django would answer 400. /healthz is exempt from the HTTPS redirect (SECURE_REDIRECT_EXEMPT).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request as u; h = (os.environ.get('ALLOWED_HOSTS') or 'localhost').split(',')[0].strip().lstrip('.'); h = 'localhost' if h in ('', '*') else h; u.urlopen(u.Request('http://127.0.0.1:8000/healthz', headers={'Host': h}), timeout=4)" || exit 1

# Sync workers behind nginx (which buffers slow clients). Slow work (PDFs, imports) runs in the
# Celery worker, so 60 s is a generous ceiling for a request; nginx's proxy_read_timeout is longer,
# so gunicorn, not nginx, ends a stuck request. Workers are recycled after ~1000 requests to bound
# memory growth. /dev/shm keeps the worker heartbeat files off the container's overlay filesystem.
CMD ["gunicorn", "yaoyao_mediation.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--workers", "4", \
     "--timeout", "60", \
     "--graceful-timeout", "30", \
     "--keep-alive", "5", \
     "--max-requests", "1000", \
     "--max-requests-jitter", "100", \
     "--worker-tmp-dir", "/dev/shm", \
     "--access-logfile", "-", \
     "--error-logfile", "-"]
