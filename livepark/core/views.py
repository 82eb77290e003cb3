"""Pages of core: health check."""

from django.db import connection
from django.http import HttpResponse


def healthz(request):
    """Liveness and database check for load balancers."""
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
