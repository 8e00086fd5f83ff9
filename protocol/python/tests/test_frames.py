"""sparksidecar.frames without pyspark: importable, and its argument checks (no Spark needed)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sparksidecar import frames

PYTHON_DIR = Path(__file__).resolve().parent.parent


def test_the_module_imports_without_pyspark() -> None:
    code = ("import sys; sys.modules['pyspark'] = None; sys.modules['pyarrow'] = None\n"  # any import of them now fails
            "import sparksidecar.frames as f; print(f.FORMATS)")
    r = subprocess.run([sys.executable, "-c", code], cwd=str(PYTHON_DIR), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "('csv', 'json', 'arrow')"


def test_bad_arguments_are_refused_naming_them() -> None:
    class NoJvm:  # a DataFrame of a Spark Connect session has no _jdf
        pass

    with pytest.raises(ValueError, match="unknown sidecar frame format 'parquet'"):
        frames.transform(NoJvm(), "a INT", "parquet")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timeout must be a positive"):
        frames.transform(NoJvm(), "a INT", "csv", timeout=0)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="needs a classic SparkSession"):
        frames.transform(NoJvm(), "a INT", "json")  # type: ignore[arg-type]


def test_an_empty_partition_of_batches_makes_no_handoff_and_a_bad_timeout_is_refused() -> None:
    # no sidecar, no pyarrow needed: an empty partition touches neither
    assert list(frames.transform_batches(iter([]))) == []
    with pytest.raises(ValueError, match="timeout must be a positive"):
        list(frames.transform_batches(iter([]), timeout=0))
