"""Seed program (a): a server sidecar answering GET /hello on port 1234 from every executor.

    spark-submit --master <master> --jars spark-sidecar-plugin-<version>-shaded.jar \\
      --py-files sparksidecar.zip \\
      --conf spark.plugins=io.sparksidecar.plugin.SidecarPlugin \\
      --conf spark.sidecar.image=spark-sidecar/hello-server:1 --conf spark.sidecar.ports=1234 \\
      --conf spark.sidecar.readiness=http --conf spark.sidecar.readiness.path=/hello \\
      hello_server.py
"""
from __future__ import annotations

import urllib.request
from typing import Dict, Iterable, Iterator, List, Tuple

from sparksidecar.config import SidecarConfig

#: The sidecar of this program; ``SIDECAR.apply(SparkSession.builder)`` or ``CONF`` (the keys).
SIDECAR = SidecarConfig(image="spark-sidecar/hello-server", tag="1", runtime="docker", ports=[1234],
                        readiness="http", extra={"readiness.path": "/hello"})
CONF: Dict[str, str] = SIDECAR.to_conf()


def hello(rows: Iterable[int]) -> Iterator[Tuple[str, str, str]]:
    """Per partition: (executor id, sidecar url, body of GET /hello) through this executor's sidecar."""
    from sparksidecar import sidecar

    sc_ = sidecar()
    url = sc_.url(1234, "/hello")
    with urllib.request.urlopen(url, timeout=30) as r:
        body = r.read().decode("utf-8").strip()
    for _ in rows:
        pass
    yield sc_.executor_id, url, body


def run(spark, partitions: int = 4) -> List[Tuple[str, str, str]]:
    """One GET /hello per partition; returns what every partition saw."""
    return spark.sparkContext.parallelize(range(partitions), partitions).mapPartitions(hello).collect()


if __name__ == "__main__":
    from pyspark.sql import SparkSession

    session = SparkSession.builder.appName("hello-server").getOrCreate()
    for executor, url, body in run(session):
        print("executor %s %s -> %s" % (executor, url, body))
    session.stop()
