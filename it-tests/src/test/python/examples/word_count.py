"""Seed program (e): the word count of the seed. textFile, drop "Unknown", count each partition in
the sidecar (spark-sidecar/fruit-count:1: grep -v Unknown | sort | uniq -c) streamed in chunks of
hand-offs (``sidecar().stream_lines``), reduceByKey(add), saveAsTextFile; equal to Spark's own count.

    spark-submit --master <master> --jars spark-sidecar-plugin-<version>-shaded.jar --py-files sparksidecar.zip \\
      --conf spark.plugins=io.sparksidecar.plugin.SidecarPlugin \\
      --conf spark.sidecar.image=spark-sidecar/fruit-count:1 --conf spark.sidecar.protocol=v1 \\
      word_count.py fruits.txt out-dir
"""
from __future__ import annotations

import sys
from operator import add
from typing import Dict, Iterable, Iterator, List, Optional, Tuple

from sparksidecar.config import SidecarConfig

SIDECAR = SidecarConfig(image="spark-sidecar/fruit-count", tag="1", runtime="docker", protocol="v1")
CONF: Dict[str, str] = SIDECAR.to_conf()


def count_in_sidecar(lines: Iterable[str], chunk_lines: Optional[int] = None) -> Iterator[Tuple[str, int]]:
    """The partition streamed through the sidecar in chunks (each one in/fruit.txt of a hand-off,
    counted while the task writes the next, as ``rdd.pipe`` overlaps them); each chunk's
    ``uniq -c`` output (out/counts.txt) as (fruit, count) pairs, added up by ``reduceByKey``."""
    from sparksidecar import sidecar

    for line in sidecar().stream_lines(lines, "fruit.txt", "counts.txt", chunk_lines=chunk_lines, timeout=300):
        n, fruit = line.split()
        yield fruit, int(n)


def run(spark, path: str, out: str, chunk_lines: Optional[int] = None) -> List[Tuple[str, int]]:
    """Counts the words of ``path`` through the sidecars, saves them under ``out``, returns them
    (``chunk_lines``: lines per hand-off, default the client's 250,000)."""
    lines = spark.sparkContext.textFile(path).filter(lambda l: l != "Unknown")
    counts = lines.mapPartitions(lambda part: count_in_sidecar(part, chunk_lines)).reduceByKey(add)
    counts.map(lambda kv: "%s\t%d" % kv).saveAsTextFile(out)
    return counts.collect()


def spark_count(spark, path: str) -> List[Tuple[str, int]]:
    """The same count with Spark alone."""
    return (spark.sparkContext.textFile(path).filter(lambda l: l != "Unknown").map(lambda l: (l, 1))
            .reduceByKey(add).collect())


if __name__ == "__main__":
    from pyspark.sql import SparkSession

    session = SparkSession.builder.appName("word-count").getOrCreate()
    result = run(session, sys.argv[1], sys.argv[2])
    print("sidecar count equals Spark's: %s" % (sorted(result) == sorted(spark_count(session, sys.argv[1]))))
    session.stop()
