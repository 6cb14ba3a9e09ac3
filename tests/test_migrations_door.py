"""The data migrations of issue 9: typed usernames kept by django-axes are forgotten,
and superuser/staff flags set before are cleared."""

from importlib import import_module

from axes.models import AccessAttempt, AccessLog
from django.apps import apps
from django.utils import timezone

from practice.models import User
from tests.base import PracticeTestCase


class DataMigrationTest(PracticeTestCase):
    def test_old_axes_rows_with_typed_usernames_are_deleted(self):
        now = timezone.now()
        AccessAttempt.objects.create(
            username="my-password-typed",
            ip_address="10.0.0.1",
            user_agent="x",
            failures_since_start=3,
            attempt_time=now,
        )
        AccessLog.objects.create(username="alice", ip_address="10.0.0.1", user_agent="x", attempt_time=now)
        import_module("practice.migrations.0003_forget_typed_usernames").forget(apps, None)
        self.assertFalse(AccessAttempt.objects.exists())
        self.assertFalse(AccessLog.objects.exists())

    def test_superuser_and_staff_flags_are_cleared(self):
        self.assertTrue(User.objects.get(pk=self.root.pk).is_superuser)
        import_module("practice.migrations.0004_clear_superuser_and_staff_flags").clear(apps, None)
        self.assertFalse(User.objects.filter(is_superuser=True).exists())
        self.assertFalse(User.objects.filter(is_staff=True).exists())
