"""``python -m ipcity.healthcheck``: the container's probe of its own web server (exit 0 when ``/healthz``
answers 200). It asks for the first host name the site answers to, since Django refuses any other."""

from __future__ import annotations

import os
import sys
import urllib.request


def main() -> int:
    hosts = [host.strip().lstrip(".") for host in os.environ.get("ALLOWED_HOSTS", "").split(",") if host.strip()]
    host = next((host for host in hosts if host != "*"), "localhost")
    request = urllib.request.Request(f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz",
                                     headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return 0 if response.status == 200 else 1
    except OSError as exc:
        print(f"healthz: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
