"""Use cases of the volunteers service, one module per area of the API.

A use case takes the request's Session, the caller and a typed command; it checks
who may do what, applies the domain rules, writes, and emits its events to the
outbox in the same transaction. It never commits: the view (``@transactional``)
or the job (``unit_of_work``) that called it does, once, so a refusal (a domain
error from ``common.errors``) leaves nothing half written.
"""
