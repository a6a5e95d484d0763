"""A TCP proxy between the app and a real server that can go silent (a dead host, no RST).

`swallow()`: from now on it reads what either side sends and drops it, closing nothing,
as a host that lost power or a network that went dark looks to the app (its own kernel
still acknowledges, so only the app's own timeouts can notice). `cut()`: every connection
closed (the app sees the server hang up); new connections are carried again.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class SilentProxy:
    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.swallowing = False
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._open: list[socket.socket] = []
        self._guard = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def swallow(self) -> None:
        self.swallowing = True

    def cut(self) -> None:
        """Hang up every connection and carry new ones again."""
        self.swallowing = False
        with self._guard:
            open_now, self._open = self._open, []
        for sock in open_now:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self.cut()
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                app, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            with self._guard:
                self._open += [app, server]
            for src, dst in ((app, server), (server, app)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                if not self.swallowing:
                    dst.sendall(data)
        for sock in (src, dst):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
