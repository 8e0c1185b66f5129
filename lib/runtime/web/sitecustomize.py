# Imported by Python at start-up in a web function's process (lib/runtime/web puts this directory first on
# PYTHONPATH): SCF sends requests to port 9000 of the instance, and here port 9000 is any free port of
# 127.0.0.1, so two web functions (and the machine's own port 9000) never clash. Every listening socket is
# reported, one line to the file SCF_EMULATOR_PORT_FILE names: "9000 <port> <host>" for the one mapped,
# "other <port> <host>" for any other.
import os
import socket
import weakref

_FILE = os.environ.get("SCF_EMULATOR_PORT_FILE")
_SCF_PORT = 9000

if _FILE:
    _bind = socket.socket.bind
    _listen = socket.socket.listen
    _mapped = weakref.WeakSet()

    def _report(line):
        try:
            with open(_FILE, "a") as out:
                out.write(line + "\n")
        except OSError:
            pass

    def bind(self, address):
        if isinstance(address, tuple) and len(address) >= 2 and self.family in (socket.AF_INET, socket.AF_INET6):
            try:
                port = int(address[1])
            except (TypeError, ValueError):
                port = None
            if port == _SCF_PORT:
                _mapped.add(self)
                address = ("127.0.0.1", 0) if self.family == socket.AF_INET else ("::1", 0) + tuple(address[2:])
        return _bind(self, address)

    def listen(self, *args):
        result = _listen(self, *args)
        try:
            name = self.getsockname()
            if isinstance(name, tuple):
                _report("%s %d %s" % (_SCF_PORT if self in _mapped else "other", name[1], name[0]))
        except OSError:
            pass
        return result

    socket.socket.bind = bind
    socket.socket.listen = listen
