"""The seed programs (examples/) end to end on a real local-cluster with real containers."""
from __future__ import annotations

import random
import time

import cli_once
import hello_server
import legacy_image
import pandas_udfs
import parallel
import word_count
from conftest import containers_of, docker


def test_server_sidecar_answers_hello_from_every_executor(spark_app) -> None:
    spark = spark_app("py-hello", hello_server.CONF)
    seen = hello_server.run(spark, partitions=4)
    assert len(seen) == 4
    assert {body for _, _, body in seen} == {"Hello World"}
    assert {executor for executor, _, _ in seen} == {"0", "1"}, seen
    assert all(url.startswith("http://127.0.0.1:") for _, url, _ in seen)
    assert len({url for _, url, _ in seen}) == 2, "one sidecar (one mapped port) per executor"


def test_cli_sidecar_once_returns_the_file_byte_identical_with_its_log(spark_app) -> None:
    spark = spark_app("py-cli-once", cli_once.CONF)
    sent, back, log = cli_once.run(spark, size=3 << 20)
    assert len(back) == 3 << 20
    assert back == sent
    assert "records in" in log and "records out" in log, log  # dd's own report, from the container
    # the Python hand-off reached the driver's registry (the worker's meter file, summed by the executor)
    jvm = spark.sparkContext._jvm
    registry = jvm.io.sparksidecar.plugin.SidecarDriverPlugin.registry()

    def counted():
        totals = [e.report().activity().handoffs() for e in registry.entries(jvm.System.currentTimeMillis())]
        return (sum(t.done() for t in totals), sum(t.bytesIn() for t in totals), sum(t.bytesOut() for t in totals))

    deadline = time.monotonic() + 20
    while counted() != (1, 3 << 20, 3 << 20):
        assert time.monotonic() < deadline, "the driver counts the Python hand-off: %s" % (counted(),)
        time.sleep(0.2)


def test_four_executors_each_process_one_row_in_their_own_sidecar(spark_app) -> None:
    spark = spark_app("py-parallel", parallel.CONF, master="local-cluster[4,1,1024]")
    app_id = spark.sparkContext.applicationId
    rows = parallel.run(spark, table="sidecar_parallel")
    assert sorted((r.fruit, r["count"]) for r in rows) == [("apple", 1), ("banana", 2), ("cherry", 3), ("date", 4)]
    assert len({r.executor for r in rows}) == 4, rows
    assert len({r.container for r in rows}) == 4, rows
    assert len(containers_of(app_id)) == 4
    # the resource profile named in the Python config reached every container: 1 CPU, 3 GiB
    limits = docker("inspect", "--format", "{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}}", *containers_of(app_id))
    assert set(limits.split("\n")) - {""} == {"%d %d" % (10 ** 9, 3 << 30)}, limits
    # the table is real parquet on disk
    location = spark.sql("DESCRIBE TABLE EXTENDED sidecar_parallel").filter("col_name = 'Location'").collect()[0][1]
    assert spark.read.parquet(location).count() == 4


def test_word_count_through_the_sidecar_equals_sparks_own(spark_app, tmp_path) -> None:
    rnd = random.Random(7)
    fruits = ["apple", "banana", "cherry", "date", "Unknown", "elderberry"]
    src = tmp_path / "fruits.txt"
    src.write_text("".join(rnd.choice(fruits) + "\n" for _ in range(50_000)))
    spark = spark_app("py-word-count", word_count.CONF)
    out = tmp_path / "counts"
    # 50,000 lines in 2 partitions, 4,000-line hand-offs: every partition streams through several,
    # some running while the next is written; their partial counts must add up to Spark's
    got = word_count.run(spark, "file://" + str(src), "file://" + str(out), chunk_lines=4000)
    expected = word_count.spark_count(spark, "file://" + str(src))
    assert sorted(got) == sorted(expected)
    assert "Unknown" not in dict(got)
    assert sum(n for _, n in got) == sum(1 for l in src.read_text().splitlines() if l != "Unknown")
    saved = []
    for part in sorted(out.glob("part-*")):
        saved += [tuple(l.split("\t")) for l in part.read_text().splitlines()]
    assert sorted((f, int(n)) for f, n in saved) == sorted(expected)


def test_after_a_restart_tasks_reach_the_sidecar_on_its_new_port(spark_app) -> None:
    spark = spark_app("py-restart", {**hello_server.CONF, "spark.sidecar.restart.backoff": "200ms"})
    app_id = spark.sparkContext.applicationId
    before = {url for _, url, _ in hello_server.run(spark, partitions=2)}
    docker("kill", *containers_of(app_id))
    deadline = time.monotonic() + 90
    while True:
        try:
            seen = hello_server.run(spark, partitions=2)
            if {body for _, _, body in seen} == {"Hello World"} and not {url for _, url, _ in seen} & before:
                break
        except Exception:  # noqa: BLE001 - a task may meet the old port before the supervisor noticed
            pass
        assert time.monotonic() < deadline, "no answer on new ports within 90 s after the kill"
        time.sleep(0.5)


def test_without_the_plugin_a_task_is_told_which_conf_to_add(spark_app) -> None:
    spark = spark_app("py-no-plugin", {"spark.plugins": ""})

    def probe(_):
        from sparksidecar import SidecarError, sidecar
        try:
            sidecar()
            yield "found"
        except SidecarError as e:
            yield str(e)

    [message] = spark.sparkContext.parallelize([0], 1).mapPartitions(probe).collect()
    assert "--conf spark.plugins=io.sparksidecar.plugin.SidecarPlugin" in message


def test_map_in_pandas_and_a_python_udf_reach_the_executors_sidecar(spark_app) -> None:
    spark = spark_app("py-pandas-udfs", {**pandas_udfs.CONF, "spark.sql.execution.arrow.maxRecordsPerBatch": "500"})
    rnd = random.Random(11)
    fruits = ["apple", "banana", "Unknown", "cherry"]
    df = spark.createDataFrame([(rnd.choice(fruits),) for _ in range(4_000)], "fruit string").repartition(4)
    expected = {r.fruit: r["count"] for r in df.groupBy("fruit").count().collect() if r.fruit != "Unknown"}
    # several Arrow batches per partition, each one hand-off; the sidecar drops Unknown
    assert dict(pandas_udfs.counts_via_map_in_pandas(df)) == expected
    small = df.limit(12).repartition(2).cache()
    got = pandas_udfs.kept_via_udf(small)
    assert sorted(got) == sorted((r.fruit, 0 if r.fruit == "Unknown" else 1) for r in small.collect())


def test_an_unchanged_legacy_flag_image_serves_python_tasks_one_container_per_handoff(spark_app) -> None:
    # one executor with 2 cores: two Python workers share its one legacy volume at the same time
    spark = spark_app("py-legacy", legacy_image.CONF, master="local-cluster[1,2,1024]")
    rows = ["row-%d,%d" % (i, i) for i in range(6)]
    got = legacy_image.run(spark, rows, partitions=3)
    assert [(r, out, logged) for r, out, logged, _ in got] == [(r, r, True) for r in rows]
    # a fresh container for every hand-off (the image exits after each), and no restart counted
    assert len({instance for *_, instance in got}) == len(rows), got
    registry = spark.sparkContext._jvm.io.sparksidecar.plugin.SidecarDriverPlugin.registry()
    assert registry.totalRestarts() == 0
