"""One uvicorn process on its own SO_REUSEPORT socket: N of these on one port are N pods behind a
balancer.

    python -m bench.reuseport_server api.asgi:app --port 8000 [--backlog 2048]

`uvicorn --workers N` shares one listening socket between its processes, and asyncio accepts up
to a backlog's worth of connections per wake-up, so one process can take nearly every keep-alive
connection of a load test: 50 wrk connections went 0.16 s / 4.85 s of CPU between two workers in
one 5 s run, and the same endpoint measured 226 or 377 req/s from one run to the next. In
production each pod runs one process (charts/wastecoach/templates/api.yaml) and the load
balancer spreads connections; separate sockets on one port with SO_REUSEPORT let the kernel do
the same here (it hashes each new connection to one of the sockets).

`uvicorn --workers N` has a second trap on this Python (3.11): its shared socket is made with
`proto` 0, so asyncio leaves Nagle on for every connection, and a sequential client waits 40 ms
(the delayed ACK) for each response, even from a bare Starlette hello. The chart's one-process
uvicorn binds through asyncio and is not affected.
"""

from __future__ import annotations

import argparse
import socket

import uvicorn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--backlog", type=int, default=2048)
    args = parser.parse_args()
    # IPPROTO_TCP named, not 0: asyncio turns Nagle off (TCP_NODELAY) only on accepted sockets
    # whose `proto` says TCP, and an accepted socket inherits the listener's. With 0, a response
    # written as headers then body waited for the client's delayed ACK: 40 ms per request.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((args.host, args.port))
    config = uvicorn.Config(
        args.app, host=args.host, port=args.port, access_log=False, log_level="warning", backlog=args.backlog
    )
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
