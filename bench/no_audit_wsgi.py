"""The note page's stack with the audit write removed (bench/audit_write.py only, never
deployed): the same request, minus the event."""

import importlib

from practice.wsgi import application  # noqa: F401  (sets Django up before the audit app loads)

# Imported only now: audit.services needs the app registry that practice.wsgi fills.
importlib.import_module("audit.services")._append = lambda values: (0, "", "")
