"""gunicorn settings; FRAMING_BIND and FRAMING_WORKERS come from the environment."""
import os

bind = os.environ.get("FRAMING_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("FRAMING_WORKERS", os.cpu_count() or 2))
worker_class = "sync"
# A worker stuck longer than this is killed and replaced; a slow client cannot hold one forever.
timeout = int(os.environ.get("FRAMING_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
limit_request_line = 4094
limit_request_fields = 100
# The access log carries method, path, status, size and time: never a request body, so never article text.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
