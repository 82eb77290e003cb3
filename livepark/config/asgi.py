"""ASGI entry point (served by uvicorn workers under `livepark serve`)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livepark.config.settings")
application = get_asgi_application()
