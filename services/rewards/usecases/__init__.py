"""The rewards service's use cases, one module per area; none of them commits."""
