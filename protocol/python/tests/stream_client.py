"""Streams SIZE bytes in and out of one request in its own process and reports its peak RSS
(ru_maxrss, KiB) before and after, so the test can show nothing was loaded into memory."""
from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pattern import PatternStream, same_content  # noqa: E402
from sparksidecar import Volume  # noqa: E402


def main() -> None:
    root, size, seed = sys.argv[1], int(sys.argv[2]), 7
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.monotonic()
    # the plugin's agent.staleAfter (5 s), not the library's 1 s: a shell agent copying 256 MiB on a loaded
    # 2-core host can miss a heartbeat by more than a second; a dead agent is still noticed within 5 s
    with Volume.open(root, group_writable=os.environ.get("SIDECAR_TEST_GROUP_WRITABLE") == "1",
                     stale_after=5.0) as volume:
        volume.await_agent(30)
        with volume.new_handoff() as h:
            h.write_input("mode", b"echo")
            h.write_input("data", PatternStream(size, seed))
            t1 = time.monotonic()
            result = h.run(180)
            t2 = time.monotonic()
            with h.open_output("result") as out:
                same = same_content(out, size, seed)
            t3 = time.monotonic()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"same": same, "before_kib": before, "after_kib": after,
                      "algorithm": result.outputs[0].algorithm, "size": result.outputs[0].size,
                      "write_s": round(t1 - t0, 2), "run_s": round(t2 - t1, 2), "read_s": round(t3 - t2, 2)}))


if __name__ == "__main__":
    main()
