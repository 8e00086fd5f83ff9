"""The seed programs (examples/) end to end on a real local-cluster with real containers."""
from __future__ import annotations

import hello_server


def test_server_sidecar_answers_hello_from_every_executor(spark_app) -> None:
    spark = spark_app("py-hello", hello_server.CONF)
    seen = hello_server.run(spark, partitions=4)
    assert len(seen) == 4
    assert {body for _, _, body in seen} == {"Hello World"}
    assert {executor for executor, _, _ in seen} == {"0", "1"}, seen
    assert all(url.startswith("http://127.0.0.1:") for _, url, _ in seen)
    assert len({url for _, url, _ in seen}) == 2, "one sidecar (one mapped port) per executor"
