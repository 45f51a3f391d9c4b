"""One way to paginate a list page."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Page, Paginator


def paginate(request, queryset, *, per_page: int | None = None) -> tuple[Page, str]:
    """The requested page (invalid numbers fall back to the nearest page) and the
    query string of the other parameters, for page links."""
    paginator = Paginator(queryset, per_page or settings.IPCITY["PAGE_SIZE"])
    page = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return page, params.urlencode()
