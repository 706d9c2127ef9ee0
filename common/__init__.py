"""Plumbing shared by the gateway and the three services.

Each module does one job: settings, database sessions, problem errors, tokens,
idempotency, the outbox and its relay, background jobs, health, logging.
Nothing here knows about points, hours or rewards.
"""
