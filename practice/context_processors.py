from django.conf import settings


def practice(request):
    return {
        "PRACTICE_NAME": settings.PRACTICE_NAME,
        "SESSION_IDLE_TIMEOUT": settings.SESSION_IDLE_TIMEOUT,
        "SESSION_IDLE_WARNING": settings.SESSION_IDLE_WARNING,
    }
