"""The audit log. Everything that touches client data, or the doors to it, calls
`audit.record` explicitly, inside the same transaction as the work it describes."""


def record(**kwargs):
    """Write one audit event (see audit.services.record). Imported lazily so that
    `import audit` is safe before the app registry is ready."""
    from audit.services import record as _record

    return _record(**kwargs)


def writing():
    """A writing service's transaction, chain lock first (audit.services.writing)."""
    from audit.services import writing as _writing

    return _writing()
