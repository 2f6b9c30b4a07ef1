# Read by the `flask` command in the repo root (python-dotenv); never by gunicorn.
# Production sets CYBERAWARE_ENV=production in its real environment, which wins over this file.
FLASK_APP=cyberaware
CYBERAWARE_ENV=development
