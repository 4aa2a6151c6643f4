"""moto in server mode on 127.0.0.1 and a free port chosen by the OS (no race): prints {"port": N} on one
line, then serves until its standard input closes (the test process that started it ended)."""

from __future__ import annotations

import json
import sys

from moto.server import ThreadedMotoServer


def main() -> int:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _host, port = server.get_host_and_port()
    print(json.dumps({"port": port}), flush=True)
    sys.stdin.read()  # returns at EOF: the parent closed the pipe or died
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
