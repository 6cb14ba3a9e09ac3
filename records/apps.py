from django.apps import AppConfig
from django.db.backends.signals import connection_created


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "Client records"

    def ready(self):
        from records import keycheck

        # Security note: a wrong FIELD_ENCRYPTION_KEY is refused on every process's
        # first connection, before anything is written (records.keycheck).
        connection_created.connect(keycheck.on_connection_created, dispatch_uid="records.keycheck")
