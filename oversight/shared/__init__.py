"""Helpers every app shares, with no knowledge of the inspection domain: the page cache,
queueing that survives a broker outage, stale-edit refusal, a service's refusal shown on
its form, checked uploads, the panels extension point and the health of the services the
site depends on.

Nothing here imports an app's models; the apps import from here.
"""
