"""Typed DataFrames through the executors' sidecars, from PySpark: the same calls as the JVM's
``io.sparksidecar.plugin.dataframe.SidecarFrames``.

::

    from sparksidecar.frames import transform, transform_batches

    out = transform(df, "fruit STRING, n INT, price DECIMAL(10,2)", format="csv")   # or "json", "arrow"
    out.write.saveAsTable("fruit_out")

    # a partition of rows in task code: mapInArrow hands each partition over as Arrow record batches
    out = df.mapInArrow(transform_batches, "fruit STRING, n INT, price DECIMAL(10,2)")

:func:`transform`: each non-empty partition of ``df`` goes to its executor's sidecar as one file
(CSV, JSON Lines or an Arrow IPC stream, written by Spark's own writers inside the executor JVM);
the sidecar's output file is parsed by Spark's own parsers into the columns of the output schema.
Rows stream in and out; no Python worker is involved, nothing is collected. An output record that
does not match the schema fails the task with the partition, the row number, the column and the
value.

:func:`transform_batches`: the partition-of-rows entry point for Python task code. Inside
``DataFrame.mapInArrow`` it writes the partition's record batches (made by Spark's own Arrow writer)
into the sidecar's input as an Arrow IPC stream and yields the record batches of the sidecar's
output stream, which Spark checks against the schema given to ``mapInArrow``. It needs pyarrow in
the executors' Python (a pyspark extra) and the plugin on the executors.

This module imports nothing of pyspark or pyarrow until a function is called, so the package stays
importable (and the client usable in tasks) without them. :func:`transform` needs a classic
SparkSession (a py4j gateway to the driver JVM) with the plugin jar on the driver's classpath
(``--jars``); Spark Connect sessions have no driver JVM on the client side and are refused with a
clear message (:func:`transform_batches` runs in the executors and works under Spark Connect too).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Optional, Union

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pyarrow
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructType

__all__ = ["transform", "transform_batches", "FORMATS"]

#: The formats a partition can travel in.
FORMATS = ("csv", "json", "arrow")
_FACADE = "io.sparksidecar.plugin.dataframe"


def transform(df: "DataFrame", output_schema: Union["StructType", str], format: str = "csv", *,
              input_name: Optional[str] = None, output_name: Optional[str] = None, header: bool = False,
              timeout: float = 600.0, options: Optional[Mapping[str, str]] = None) -> "DataFrame":
    """Hands every partition of ``df`` to its executor's sidecar and returns the typed result.

    Called on the driver; returns at once (a lazy transformation: the hand-offs run in the tasks of
    the next action). ``output_schema`` is a :class:`pyspark.sql.types.StructType` or a DDL string
    (``"a INT, b STRING"``). ``format`` is ``"csv"``, ``"json"`` or ``"arrow"`` (the Arrow IPC stream
    format); ``input_name``/``output_name`` default to ``infile.<format>``/``outfile.<format>``;
    ``header`` (CSV only) writes the column names first and skips the output's first line;
    ``timeout`` bounds one partition's hand-off in seconds; ``options`` are extra options of Spark's
    CSV/JSON writer and reader (e.g. ``sep``; Arrow takes none).

    Raises :class:`ValueError` for a bad argument found here, :class:`RuntimeError` for a Spark
    Connect session, and py4j's ``Py4JJavaError`` (its message from the JVM's ``SidecarException``,
    naming the column) for a schema or an option the format cannot carry. Failures in the tasks
    surface from the action, as Spark reports them.
    """
    fmt = str(format).lower()
    if fmt not in FORMATS:
        raise ValueError("unknown sidecar frame format %r: one of %s" % (format, ", ".join(FORMATS)))
    if not timeout or timeout <= 0:
        raise ValueError("timeout must be a positive number of seconds, got %r" % (timeout,))
    jdf = getattr(df, "_jdf", None)
    if jdf is None:
        raise RuntimeError("sparksidecar.frames.transform needs a classic SparkSession (py4j, the driver JVM in "
                           "this process); this DataFrame has none (a Spark Connect session?)")
    from pyspark.sql import DataFrame  # lazily: the package imports without pyspark

    spark = df.sparkSession
    jvm = spark.sparkContext._jvm
    pkg = getattr(jvm, _FACADE)
    builder = pkg.FrameOptions.builder(pkg.Format.of(fmt)).header(bool(header)).timeoutMillis(int(timeout * 1000))
    if input_name is not None:
        builder = builder.inputName(input_name)
    if output_name is not None:
        builder = builder.outputName(output_name)
    for key, value in (options or {}).items():
        builder = builder.option(str(key), str(value))
    schema_text = output_schema if isinstance(output_schema, str) else _schema_json(output_schema)
    jout = pkg.SidecarFrames.transform(jdf, schema_text, builder.build())
    return DataFrame(jout, spark)


def transform_batches(batches: Iterable["pyarrow.RecordBatch"], *, input_name: str = "infile.arrow",
                      output_name: str = "outfile.arrow", timeout: float = 600.0) -> Iterator["pyarrow.RecordBatch"]:
    """One partition's Arrow record batches through this executor's sidecar; for ``mapInArrow``.

    Called in a task (a Python worker of an executor with the plugin), by Spark with the batches of
    one partition. Writes them into the input ``input_name`` as an Arrow IPC stream as they come
    (nothing collected), runs the sidecar (blocking, at most ``timeout`` seconds), then yields the
    record batches of the output ``output_name`` as they are read. An empty partition makes no
    hand-off. Raises the client's :class:`~sparksidecar.errors.HandoffError` when the sidecar fails
    (exit code and log tail), pyarrow's ``ArrowInvalid`` naming the output when it is no Arrow
    stream; Spark itself fails the task when the batches do not match ``mapInArrow``'s schema. The
    hand-off is closed when the output is read or the generator is closed.
    """
    if not timeout or timeout <= 0:
        raise ValueError("timeout must be a positive number of seconds, got %r" % (timeout,))
    it = iter(batches)
    first = next(it, None)
    if first is None:
        return
    import pyarrow as pa  # lazily: the package imports without pyarrow

    from . import sidecar

    with sidecar().new_handoff() as h:
        def write(f: Any) -> None:
            with pa.ipc.new_stream(f, first.schema) as w:
                w.write_batch(first)
                for b in it:
                    w.write_batch(b)

        h.write_input_with(input_name, write).expect_output(output_name).run(timeout=timeout)
        with h.open_output(output_name) as out:
            try:
                reader = pa.ipc.open_stream(out)
            except pa.ArrowInvalid as e:
                raise pa.ArrowInvalid("sidecar output '%s' is no Arrow IPC stream: %s" % (output_name, e)) from e
            for b in reader:
                yield b


def _schema_json(schema: Any) -> str:
    json_of = getattr(schema, "json", None)
    if json_of is None or getattr(schema, "fields", None) is None:
        raise ValueError("output_schema must be a pyspark StructType or a DDL string, got %r" % (schema,))
    return json_of()
