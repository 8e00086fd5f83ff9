"""sparksidecar.config: the spark.sidecar.* settings from Python, validated as the plugin does."""
from __future__ import annotations

import json
import re

import pytest

from conftest import HERE
from sparksidecar.config import KEYS, PLUGIN_CLASS, ConfigError, SidecarConfig, Volume, validate

ROOT = HERE.parent.parent.parent
CASES = json.loads((HERE / "vectors" / "config.json").read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "%s=%s" % (c["key"], c["value"]))
def test_shared_config_vector(case):
    """The same vectors the plugin's ConfigVectorsTest runs through SidecarKeys: same verdict, same message."""
    if case["ok"]:
        validate(case["key"], case["value"])
    else:
        with pytest.raises(ConfigError) as e:
            validate(case["key"], case["value"])
        assert str(e.value) == case["error"]


def test_keys_and_defaults_are_the_plugins():
    """conf/spark-defaults.conf is generated from the plugin's SidecarKeys (ConfigTableTest keeps it so)."""
    declared = {}
    for line in (ROOT / "conf" / "spark-defaults.conf").read_text().splitlines():
        m = re.match(r"# (spark\.sidecar\.\S+)[ ]*(.*)$", line)
        if m and not m.group(1).startswith("spark.sidecar.env."):
            declared[m.group(1)] = m.group(2).strip()
    assert declared, "no keys found in conf/spark-defaults.conf"
    assert {"spark.sidecar." + k: d for k, (d, _) in KEYS.items()} == declared
    for key, default in declared.items():
        validate(key, default)  # every default is a valid value


def test_every_vector_key_is_declared_and_most_keys_have_a_vector():
    keys = {c["key"] for c in CASES}
    assert keys <= {"spark.sidecar." + k for k in KEYS}
    assert len(keys) >= 30


def test_reads_like_the_reference_decorator():
    conf = SidecarConfig(image="spark-sidecar/dd-cli", tag="1", protocol="v1",
                         volumes=[Volume("in", "/opt/sidecar/in"), Volume("out", "/opt/sidecar/out")],
                         resource_profile="small_cpu_small_memory", env={"MODE": "fast"}, ports=[1234, 8080],
                         command=["sh", "-c", "echo 'hi there'"], extra={"restart.maxRestarts": 0}).to_conf()
    assert conf == {
        "spark.plugins": PLUGIN_CLASS,
        "spark.sidecar.image": "spark-sidecar/dd-cli:1",
        "spark.sidecar.command": "sh -c \"echo 'hi there'\"",
        "spark.sidecar.protocol": "v1",
        "spark.sidecar.volumes": "in,out",
        "spark.sidecar.volumes.mountBase": "/opt/sidecar",
        "spark.sidecar.ports": "1234,8080",
        "spark.sidecar.resourceProfile": "small_cpu_small_memory",
        "spark.sidecar.env.MODE": "fast",
        "spark.sidecar.restart.maxRestarts": "0",
    }


@pytest.mark.parametrize("kwargs, message", [
    (dict(image="a", protocol="v2"), "invalid value 'v2' for spark.sidecar.protocol: must be one of none, v1, legacy"),
    (dict(tag="1"), "a tag ('1') needs an image (spark.sidecar.image)"),
    (dict(image="repo/img:2", tag="1"), "image 'repo/img:2' already names a tag or digest; drop tag='1'"),
    (dict(image="img", tag="bad tag"), "invalid tag 'bad tag' for spark.sidecar.image"),
    (dict(image="img", volumes=[Volume("a", "/x/a"), Volume("b", "/y/b")]),
     "volumes a,b are mounted under different directories (/x, /y)"),
    (dict(image="img", volumes=["a", "a"]), "volume names repeat in spark.sidecar.volumes: a,a"),
    (dict(image="img", ports=[0]), "invalid value '0' for spark.sidecar.ports: must be between 1 and 65535"),
    (dict(image="img", resource_profile="HUGE"), "invalid value 'HUGE' for spark.sidecar.resourceProfile"),
    (dict(image="img", memory="lots"), "invalid value 'lots' for spark.sidecar.memory: not a size"),
    (dict(image="img", extra={"retries": 3}), "unknown key spark.sidecar.retries: the plugin declares"),
    (dict(image="img", env={"BAD-NAME": "1"}), "invalid environment variable name 'BAD-NAME'"),
])
def test_bad_settings_fail_on_construction_naming_the_key(kwargs, message):
    with pytest.raises(ConfigError) as e:
        SidecarConfig(**kwargs)
    assert str(e.value).startswith(message), str(e.value)


def test_a_mount_path_must_end_with_the_volume_name():
    with pytest.raises(ConfigError, match=r"volume shared: mount path '/opt/other' must be absolute and end with /shared"):
        Volume("shared", "/opt/other")
    with pytest.raises(ConfigError, match="invalid volume name '../x'"):
        Volume("../x")


class _Builder:
    """Records config() calls as SparkSession.Builder takes them."""

    def __init__(self, **options: str) -> None:
        self._options = dict(options)

    def config(self, key: str, value: str) -> "_Builder":
        self._options[key] = value
        return self


def test_apply_keeps_other_plugins_and_jars():
    b = SidecarConfig(image="img", tag="1").apply(_Builder(**{"spark.plugins": "com.example.Other",
                                                              "spark.jars": "/a.jar"}), plugin_jar="/p.jar")
    assert b._options["spark.plugins"] == "com.example.Other," + PLUGIN_CLASS
    assert b._options["spark.jars"] == "/a.jar,/p.jar"
    assert b._options["spark.sidecar.image"] == "img:1"


def test_submit_args():
    assert SidecarConfig(image="img", runtime="docker").submit_args() == [
        "--conf", "spark.plugins=" + PLUGIN_CLASS, "--conf", "spark.sidecar.image=img",
        "--conf", "spark.sidecar.runtime=docker"]
