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
    import pyarrow  # type: ignore[import-untyped]
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


def transform_batches(batches: Iterable["pyarrow.RecordBatch"], *, schema: Optional["StructType"] = None,
                      input_name: str = "infile.arrow", output_name: str = "outfile.arrow",
                      timeout: float = 600.0) -> Iterator["pyarrow.RecordBatch"]:
    """One partition's Arrow record batches through this executor's sidecar; for ``mapInArrow``.

    Called in a task (a Python worker of an executor with the plugin), by Spark with the batches of
    one partition. Writes them into the input ``input_name`` as an Arrow IPC stream as they come
    (nothing collected), runs the sidecar (blocking, at most ``timeout`` seconds), then yields the
    record batches of the output ``output_name`` as they are read. An empty partition makes no
    hand-off. Raises the client's :class:`~sparksidecar.errors.HandoffError` when the sidecar fails
    (exit code and log tail), pyarrow's ``ArrowInvalid`` naming the output when it is no Arrow
    stream. With ``schema`` (the :class:`~pyspark.sql.types.StructType` given to ``mapInArrow``)
    the output is checked against it: a column of another name or Arrow type, or a null in a
    column that is not nullable, raises :class:`ValueError` naming the partition, the row, the
    column and what the stream holds (without it, Spark's own reader fails the task on a type
    mismatch, not naming the column). The hand-off is closed when the output is read or the
    generator is closed.
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
            expected = None if schema is None else _arrow_schema(schema)
            row = 0
            for b in reader:
                if expected is not None:
                    _check_batch(b, schema, expected, output_name, row)
                row += b.num_rows
                yield b


def _arrow_schema(schema: Any) -> Any:
    from pyspark.sql.pandas.types import to_arrow_schema

    if getattr(schema, "fields", None) is None:
        raise ValueError("schema must be a pyspark StructType, got %r" % (schema,))
    return to_arrow_schema(schema)


def _check_batch(batch: Any, schema: Any, expected: Any, output_name: str, first_row: int) -> None:
    """Raises ValueError at the first column of ``batch`` that does not match ``expected``."""
    from pyspark import TaskContext

    ctx = TaskContext.get()
    where = "sidecar output '%s' of partition %s does not match the output schema: " % (
        output_name, ctx.partitionId() if ctx is not None else 0)
    got = batch.schema
    if len(got) != len(expected):
        raise ValueError(where + "row %d, column (none: the Arrow stream has %d columns, the schema %d): %s"
                         % (first_row + 1, len(got), len(expected), got.names))
    for i, (g, e) in enumerate(zip(got, expected)):
        f = schema.fields[i]
        what = "column '%s' (%s): " % (f.name, f.dataType.simpleString())
        if g.name != e.name or not _same_type(g.type, e.type):
            raise ValueError(where + "row %d, %sthe Arrow stream has column %d '%s' of Arrow type %s"
                             % (first_row + 1, what, i + 1, g.name, g.type))
        column = batch.column(i)
        if not f.nullable and column.null_count:
            at = next(r for r in range(len(column)) if not column[r].is_valid)
            raise ValueError(where + "row %d, %svalue null in a column that is not nullable" % (first_row + at + 1, what))


def _same_type(a: Any, b: Any) -> bool:
    """Arrow types as Spark reads them: timestamps by unit and zone-or-not, large and small strings alike."""
    import pyarrow.types as t  # type: ignore[import-untyped]

    if t.is_timestamp(a) and t.is_timestamp(b):
        return bool(a.unit == b.unit and (a.tz is None) == (b.tz is None))
    for kind in ((t.is_string, t.is_large_string), (t.is_binary, t.is_large_binary)):
        if any(k(a) for k in kind) and any(k(b) for k in kind):
            return True
    if (t.is_list(a) or t.is_large_list(a)) and (t.is_list(b) or t.is_large_list(b)):
        return _same_type(a.value_type, b.value_type)
    if t.is_map(a) and t.is_map(b):
        return _same_type(a.key_type, b.key_type) and _same_type(a.item_type, b.item_type)
    if t.is_struct(a) and t.is_struct(b):
        return a.num_fields == b.num_fields and all(
            a.field(i).name == b.field(i).name and _same_type(a.field(i).type, b.field(i).type)
            for i in range(a.num_fields))
    return bool(a.equals(b))


def _schema_json(schema: Any) -> str:
    json_of = getattr(schema, "json", None)
    if json_of is None or getattr(schema, "fields", None) is None:
        raise ValueError("output_schema must be a pyspark StructType or a DDL string, got %r" % (schema,))
    return str(json_of())
