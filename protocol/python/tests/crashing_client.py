"""A client in its own process that starts a long request and then waits to be SIGKILLed."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sparksidecar import Volume  # noqa: E402


def main() -> None:
    volume = Volume.open(sys.argv[1], group_writable=os.environ.get("SIDECAR_TEST_GROUP_WRITABLE") == "1")
    volume.await_agent(30)
    h = volume.new_handoff()
    h.write_input("mode", b"sleep").write_input("seconds", b"60")
    h.start()
    print("started", h.id, flush=True)
    time.sleep(3600)


if __name__ == "__main__":
    main()
