"""Serve a built site on 127.0.0.1 for a quick look (never on other interfaces)."""

from __future__ import annotations

import errno
import functools
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from atlas_cli.core.errors import UsageError

HOST = "127.0.0.1"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def make_server(directory: Path, port: int) -> ThreadingHTTPServer:
    """An HTTP server for DIRECTORY on 127.0.0.1:PORT (0: any free port), not yet serving."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    try:
        return ThreadingHTTPServer((HOST, port), handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(
                f"port {port} is already in use on {HOST}",
                hint="pick another with --port, or --port 0 for any free port",
            ) from exc
        raise UsageError(
            f"cannot serve on {HOST}:{port}: {exc.strerror}", hint="pick another port with --port"
        ) from exc


def serve_site(directory: Path, port: int, announce: Callable[[str], None]) -> None:
    """Serve DIRECTORY until interrupted (Ctrl-C ends it quietly)."""
    server = make_server(directory, port)
    try:
        announce(f"http://{HOST}:{server.server_address[1]}/")
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
