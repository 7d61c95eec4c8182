"""A unit's system on a local port: a threaded HTTP server that hands each POST to `answer`, whose status it replies
with. The delivery tests and the worker-kill fault (bench/faults/worker_kill.py) subclass it."""

import threading
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class WebhookReceiver:
    def __init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(receiver.answer(self.headers, body))
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/csc-events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, headers: Message, body: bytes) -> int:
        """The status for one POST (called on the server's thread)."""
        raise NotImplementedError

    def close(self) -> None:
        self.server.shutdown()
