"""Serve the chat with uvicorn workers on a TCP_NODELAY listener, as `bot serve` does.

Kept for the bench's `w1`/`w2` configurations; the listener and the workers are
`bot.web.server` (docs/performance.md: without TCP_NODELAY a kept-alive connection waits
about 40 ms a reply).

Example: python -m bench.serve --port 8000 --workers 2
"""

from __future__ import annotations

import argparse

from bot.settings import Settings
from bot.web import server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--access-log", action="store_true")
    args = parser.parse_args()
    settings = Settings(host=args.host, port=args.port, workers=args.workers)
    server.run(settings, access_log=args.access_log)


if __name__ == "__main__":
    main()
