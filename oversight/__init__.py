"""The project package, in three parts:

- the project wiring, the one place that names every app: `settings.py`, `urls.py` (root),
  `celery.py` (the Celery app and the one beat schedule), `wsgi.py`, `asgi.py`;
- the inspection domain, the first app in the dependency order: offices, forces, partner
  agencies, users and roles, reports, findings, judgements, priority areas, causes of
  concern (`models.py`, `services.py`, `selectors.py`, `views.py`, `forms.py`, ...);
- `shared/`: helpers every app uses that know nothing of the domain (page cache,
  background queueing, stale-edit refusal, uploads, the panels extension point, health).
"""

from .celery import app as celery_app

__all__ = ("celery_app",)
