"""The note page's stack with the audit write removed (bench/audit_write.py only, never
deployed): the same request, minus the event."""

import audit.services  # noqa: E402
from practice.wsgi import application  # noqa: F401  (sets Django up)

audit.services._append = lambda values: (0, "", "")
