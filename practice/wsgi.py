import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")
application = get_wsgi_application()

# A wrong FIELD_ENCRYPTION_KEY stops the server here, before it accepts a request.
from records.keycheck import enforce_at_start  # noqa: E402

enforce_at_start()
