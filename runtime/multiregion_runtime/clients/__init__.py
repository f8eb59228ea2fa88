"""botocore clients for targets: the shared cache, credentials, rate limits, hooks.

Every client is made here, once, with the runtime's event handlers (deadlines,
attempt timeouts, rate limiting) attached when it is made.

May import: core, targets.
"""
