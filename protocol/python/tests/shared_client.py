"""One of several processes sharing a volume another client owns (mark_closed=False): runs N
echo requests and prints how many came back intact."""
from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sparksidecar import Volume  # noqa: E402


def main() -> None:
    root, n = sys.argv[1], int(sys.argv[2])
    good = 0
    group_writable = os.environ.get("SIDECAR_TEST_GROUP_WRITABLE") == "1"  # the agent is another uid
    with Volume.open(root, mark_closed=False, group_writable=group_writable) as volume:
        volume.await_agent(30)
        for i in range(n):
            payload = b"process-%s-%d\n" % (sys.argv[3].encode(), i)
            with volume.new_handoff() as h:
                h.write_input("mode", b"echo").write_input("data", payload)
                h.run(60)
                good += h.read_output("result") == payload
    print(good)


if __name__ == "__main__":
    main()
