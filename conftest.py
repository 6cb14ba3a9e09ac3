"""Test-suite configuration shared by every app's tests.

Settings: tests/settings.py (keys made for this run). DATABASE_URL chooses the
database (SQLite in memory by default; CI runs the suite on PostgreSQL too).
"""


def pytest_configure(config):
    # Emptying the test database between transactional tests has to get past the audit
    # tables' append-only triggers. Only the test suite does this.
    from django.db.backends.base.operations import BaseDatabaseOperations

    original = BaseDatabaseOperations.execute_sql_flush
    if getattr(original, "_audit_aware", False):
        return

    def execute_sql_flush(self, sql_list):
        from audit.db import triggers_suspended
        from retention.db import triggers_suspended as retention_triggers_suspended

        with triggers_suspended(self.connection), retention_triggers_suspended(self.connection):
            original(self, sql_list)

    execute_sql_flush._audit_aware = True
    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush


def _hypothesis_profiles():
    """Example counts for the fuzz tests (tests/test_fuzz.py). "ci" (the default) keeps
    the suite fast and repeatable (a fixed seed); "deep" is for a long run by hand:
    HYPOTHESIS_PROFILE=deep .venv/bin/python -m pytest tests/test_fuzz.py"""
    import os

    from hypothesis import HealthCheck, settings

    common = {
        "deadline": None,
        "database": None,
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    }
    settings.register_profile("ci", max_examples=200, derandomize=True, **common)
    settings.register_profile("quick", max_examples=10, derandomize=True, **common)
    settings.register_profile("deep", max_examples=3000, **common)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


_hypothesis_profiles()
