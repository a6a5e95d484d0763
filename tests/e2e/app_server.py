"""The real web app for browser tests and benchmarks: `python app_server.py PORT DB [--camera]`.

The camera watch is the one `backbuddy serve` wires (MediaPipe's bundled model);
the grace period before a page-less session is recorded as interrupted is a
parameter so tests need not wait 30 s.
"""

from __future__ import annotations

import argparse

import uvicorn

from backbuddy.cli.serve_cmd import WS_MAX_BYTES, camera_watch
from backbuddy.config import Settings
from backbuddy.web.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("db")
    parser.add_argument("--camera", action="store_true")
    parser.add_argument("--grace", type=float, default=5.0)
    args = parser.parse_args()
    analyzers = camera_watch() if args.camera else None
    app = create_app(Settings(db=args.db), analyzers=analyzers, grace_s=args.grace)
    uvicorn.run(
        app, host="127.0.0.1", port=args.port, log_level="warning", ws_max_size=WS_MAX_BYTES
    )


if __name__ == "__main__":
    main()
