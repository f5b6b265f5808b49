# Production image: the web app under gunicorn; the same image runs the Celery worker and beat.
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/var/lib/oversight
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
       fonts-dejavu-core nodejs npm \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml constraints.txt package.json package-lock.json ./
RUN pip install --no-cache-dir -c constraints.txt . && npm ci --no-audit --no-fund --omit=dev
COPY . .
RUN DEBUG=true python manage.py collectstatic --noinput \
    && useradd --system --home /app oversight && mkdir -p $VAR_DIR && chown oversight $VAR_DIR
USER oversight
EXPOSE 8000
# Workers: gunicorn.conf.py (read from /app).
CMD ["gunicorn", "oversight.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
