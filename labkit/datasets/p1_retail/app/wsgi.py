"""Entry point of the shop container: ``python wsgi.py`` serves on 0.0.0.0:$PORT (8080);
``wsgi:application`` for a WSGI server (gunicorn wsgi:application). Configured by the
environment: DATABASE_URL, IMAGES_BUCKET, IMAGES_BASE_URL, PORT."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from shop.__main__ import app_from_env, main  # noqa: E402

application = app_from_env() if os.environ.get("DATABASE_URL") else None

if __name__ == "__main__":
    main()
