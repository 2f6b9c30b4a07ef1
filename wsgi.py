"""WSGI entry point: `gunicorn wsgi:app` (configuration from the environment)."""

from cyberaware import create_app

app = create_app()
