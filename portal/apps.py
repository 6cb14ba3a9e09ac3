from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The client portal: everything a client reaches, in one place. It owns no
    models; it reads through the records, consent and audit selectors and services."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"
