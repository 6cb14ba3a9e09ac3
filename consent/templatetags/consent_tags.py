"""A block for the practice admin's pages: disclosures waiting for their approval."""

from django import template

register = template.Library()


@register.inclusion_tag("consent/_approvals_waiting.html", takes_context=True)
def approvals_waiting(context):
    """How many legal-basis releases wait for a practice admin (a count: no client data,
    so no audit event; the queue it links to is audited)."""
    from consent.services import pending_count

    request = context.get("request")
    user = getattr(request, "user", None)
    show = bool(user is not None and user.is_authenticated and user.is_practice_admin and user.is_active)
    return {"show": show, "count": pending_count() if show else 0}
