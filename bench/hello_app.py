"""The baseline of the load runs: a bare Flask app answering "hello" (issue #9).

Served by gunicorn with the same configuration as CyberAware (``gunicorn.conf.py``: same worker
count and class, same access log), so that every throughput of ``bench/load.py`` can be given as a
ratio to what Flask and gunicorn alone do on this machine in the same run::

    .venv/bin/gunicorn -c gunicorn.conf.py -b 127.0.0.1:8100 bench.hello_app:app
"""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    """The smallest useful response."""
    return "hello"
