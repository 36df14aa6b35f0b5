"""gunicorn settings; FRAMING_BIND and FRAMING_WORKERS come from the environment."""
import json
import os
import re
import shutil
import socket
import tempfile

from gunicorn import util
from gunicorn.http.body import LengthReader
from gunicorn.workers.sync import SyncWorker

# This file runs again on every SIGHUP: what it sets up once must survive that, so it lives in the environment.
# One directory per server for the workers' metrics files (prometheus-client's multiprocess mode) and the
# last verified model artifact (service.reload); removed when the server exits, if this server made it.
if not os.environ.get("FRAMING_RUN_DIR"):
    os.environ["FRAMING_RUN_DIR"] = tempfile.mkdtemp(prefix="framing-gunicorn-")
    os.environ["FRAMING_RUN_DIR_OWNER"] = str(os.getpid())
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", os.path.join(os.environ["FRAMING_RUN_DIR"], "metrics"))
os.environ.setdefault("FRAMING_LAST_GOOD_DIR", os.path.join(os.environ["FRAMING_RUN_DIR"], "last-good"))

bind = os.environ.get("FRAMING_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("FRAMING_WORKERS", os.cpu_count() or 2))
# A worker stuck longer than this is killed and replaced; a slow client cannot hold one forever.
timeout = int(os.environ.get("FRAMING_TIMEOUT", "30"))
# A client silent this long while sending its request or reading the answer loses the connection (a 408 once
# the app reads the body): the worker is freed at once, not killed and rebooted `timeout` seconds later.
client_timeout = float(os.environ.get("FRAMING_CLIENT_TIMEOUT", "10"))


def _json_error(sock, status: int, reason: str, message: str) -> None:
    """gunicorn's own refusals (a request line or headers over the limits, malformed HTTP) in the API's one
    error shape, {code, status, message}, instead of gunicorn's HTML page."""
    body = json.dumps({"code": re.sub(r"[^a-z]+", "_", reason.lower()).strip("_"), "status": status,
                       "message": f"{reason}: {message[:300]}" if message else reason}).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    util.write_nonblock(sock, head.encode("latin-1") + body)


def _read_to_end(req) -> bool:
    reader = getattr(req.body, "reader", None)
    return isinstance(reader, LengthReader) and reader.length == 0 and not req.body.failed


def _pending(client) -> bool:
    """Bytes from the client waiting to be read, or a socket that cannot tell."""
    try:
        client.setblocking(False)  # with a timeout set, Python would first wait for bytes to arrive
        return bool(client.recv(1, socket.MSG_PEEK))
    except BlockingIOError:
        return False
    except OSError:
        return True


class BoundedSyncWorker(SyncWorker):
    """gunicorn's sync worker (one request at a time, right for CPU-bound work) with a deadline on each read
    and write of the client socket; the gthread worker has none on the body, so a trickling client holds a
    thread for good. Its own error answers are JSON."""

    def handle_error(self, req, client, addr, exc):
        # gunicorn writes the answer through util.write_error; this worker runs one request at a time, so
        # swapping that function for the length of this call affects this answer only.
        html_writer, util.write_error = util.write_error, _json_error
        try:
            super().handle_error(req, client, addr, exc)
        finally:
            util.write_error = html_writer

    def handle_request(self, listener, req, client, addr):
        super().handle_request(listener, req, client, addr)
        # gunicorn's close then waits for the client to close too (RFC 9112 section 9.6), so that request bytes
        # left unread cannot turn the close into a reset that cuts the answer short. When the body was read to
        # its end and nothing more has arrived, there are none: shutting the read side ends that wait at once,
        # and this worker takes the next connection instead of idling until the client is scheduled.
        if _read_to_end(req) and not _pending(client):
            try:
                client.shutdown(socket.SHUT_RD)
            except OSError:  # the client has gone already; gunicorn's close copes with that
                pass

    def accept(self, listener):
        client, address = listener.accept()
        client.settimeout(client_timeout)
        util.close_on_exec(client)
        self.handle(listener, client, address)


worker_class = BoundedSyncWorker
graceful_timeout = 20
keepalive = 5
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# The access log carries method, path, status, size and time: never a request body, so never article text.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"


def on_starting(server):
    """Start with no metrics files: counters left by an earlier server would be added to this one's."""
    metrics = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(metrics, exist_ok=True)
    for name in os.listdir(metrics):
        if name.endswith(".db"):
            os.remove(os.path.join(metrics, name))
    os.makedirs(os.environ["FRAMING_LAST_GOOD_DIR"], exist_ok=True)


def child_exit(server, worker):
    """Drop a dead worker's live gauges (framing_model_info counts live workers only)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if os.environ.get("FRAMING_RUN_DIR_OWNER") == str(os.getpid()):
        shutil.rmtree(os.environ["FRAMING_RUN_DIR"], ignore_errors=True)
