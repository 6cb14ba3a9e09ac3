from django.conf import settings

from emergency.selectors import active_grants_for


def emergency(request):
    """The running emergency accesses of the signed-in clinician, for the banner on every
    page (one indexed query, clinicians only)."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"emergency_grants": active_grants_for(user), "EMERGENCY_ACCESS_MINUTES": settings.EMERGENCY_ACCESS_MINUTES}
