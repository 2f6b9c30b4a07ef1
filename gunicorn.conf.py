"""gunicorn defaults for CyberAware; every value can be overridden on the command line."""

import multiprocessing
import os

bind = os.environ.get("CYBERAWARE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("CYBERAWARE_THREADS", "1"))
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
preload_app = True
accesslog = "-"  # one line per request on stderr-friendly stdout of the service manager
errorlog = "-"
# No query strings in the access log: reset and verification links carry tokens.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
