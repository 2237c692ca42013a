"""A local HTTP server on 127.0.0.1 in a daemon thread: the plumbing any fake service shares.

A fake (GitHub today; MLflow or AzureML beside it) subclasses :class:`LocalServer` and answers in
``_handle(method, raw_path, headers, body) -> (status, headers, payload)``. The server keeps
connections alive like a real one, drops every request while ``go_offline()`` holds, and
``stop()`` closes even the kept-alive connections.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    emulator: LocalServer

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def close_connections(self) -> None:
        with self.connections_lock:
            for connection in self.connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "github.com"
    sys_version = ""
    timeout = 60  # idle keep-alive connections
    disable_nagle_algorithm = True
    wbufsize = -1  # headers and body leave in one write (flushed after each request)
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        return None

    def _serve(self) -> None:
        emulator = self.server.emulator
        headers = {key.lower(): value for key, value in self.headers.items()}
        if emulator.offline:
            emulator._log_dropped(self.command, self.path, headers)
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        length = int(headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        status, reply_headers, payload = emulator._handle(self.command, self.path, headers, raw)
        self.send_response(status)
        for name, value in reply_headers:
            self.send_header(name, value)
        if payload is not None:
            self.send_header("Content-Length", str(len(payload)))
        elif status not in (204, 304):
            self.send_header("Content-Length", "0")
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve


class LocalServer:
    """Serves ``_handle`` on 127.0.0.1 (a free port) from a daemon thread once ``_start()`` runs."""

    thread_name = "local-fake-server"

    def __init__(self) -> None:
        self._offline = False
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.emulator = self
        self.port: int = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=self.thread_name, daemon=True
        )

    def _start(self) -> None:
        self._thread.start()

    def _handle(
        self, method: str, raw_path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes | None]:
        """The answer to one request: status, headers and body (None: no body)."""
        raise NotImplementedError

    def _log_dropped(self, method: str, raw_path: str, headers: dict[str, str]) -> None:
        """A request dropped while offline (a fake that keeps a request log records it here)."""

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop serving and close the listening socket (idempotent)."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(5)
        self._server.server_close()
        self._server.close_connections()  # kept-alive connections die with the server

    def go_offline(self) -> None:
        """Drop every request: the connection is closed without an answer."""
        self._offline = True

    def go_online(self) -> None:
        self._offline = False

    @property
    def offline(self) -> bool:
        return self._offline
