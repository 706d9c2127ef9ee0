"""The points service's use cases, one module per area (mirroring ``api/``).

Each takes the caller's session and never commits: a write view is
``@transactional`` (or ``@idempotent``), a job or command wraps its call in
``unit_of_work`` (``common.transaction``). They raise ``common.errors`` domain
errors, never HTTP problems.

- ``accounts``: balances, the transaction history, admins' adjustments, expiry of lots
- ``holds``: placing, ending and expiring holds (for the rewards service)
- ``rules``: the earning rules and their versions
- ``awards``: the event consumer (claim, classify, pay, claw back, note) and parked events
- ``reconcile``: the whole-ledger check
- ``leaderboards``: a month's scores from the journal
"""
