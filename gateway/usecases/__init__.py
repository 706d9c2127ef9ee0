"""The gateway's use cases, one module per area of ``gateway.api``.

A use case takes a session and a typed command, raises ``common.errors`` and never
commits: the view (``@transactional``) or the command (``unit_of_work``) does.
"""
