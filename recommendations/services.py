"""Writes for recommendations, action plans, actions, progress updates and closure.

Each service owns its transaction, takes keyword-only arguments and raises
django.core.exceptions.ValidationError with a message that says what to do.
"""

# --- Recommendations: the OPCC lifecycle (issue 3) -------------------------------------


# --- Action plans, actions, progress updates, two-person closure (issue 4) -------------


# --- Reopening after a deep-dive sample (issue 7) --------------------------------------
