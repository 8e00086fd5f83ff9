"""The ``spark.sidecar.*`` settings from Python, without typing keys by hand.

It reads like the reference ``@sidecar`` decorator (image, tag, volumes, resource profile)::

    from pyspark.sql import SparkSession
    from sparksidecar.config import SidecarConfig, Volume

    sidecar = SidecarConfig(image="spark-sidecar/dd-cli", tag="1",
                            volumes=[Volume("shared", "/opt/sidecar/shared")],
                            protocol="v1", resource_profile="SMALL_CPU_SMALL_MEMORY")
    spark = sidecar.apply(SparkSession.builder.master("spark://host:7077")).getOrCreate()

or, for ``spark-submit``: ``sidecar.submit_args()`` (``["--conf", "spark.sidecar.image=...", ...]``),
or a plain ``dict`` for ``SparkConf.setAll``: ``sidecar.to_conf()``.

Every value is checked when the object is built, by the same rules and with the same messages as
the plugin's own key declarations (``SidecarKeys`` in the jar; shared test vectors keep the two
equal): ``invalid value 'x' for spark.sidecar.<key>: <why>``. Rules that involve several keys
(e.g. the docker runtime needs an image) are checked again by the driver when the application
starts, naming the keys. Standard library only; importing it needs no pyspark.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Union

__all__ = ["SidecarConfig", "Volume", "ConfigError", "validate", "KEYS", "PREFIX", "PLUGIN_CLASS",
           "RESOURCE_PROFILES"]

PREFIX = "spark.sidecar."
ENV_PREFIX = PREFIX + "env."
PLUGIN_CLASS = "io.sparksidecar.plugin.SidecarPlugin"

#: The named resource profiles the plugin knows (``spark.sidecar.resourceProfile``).
RESOURCE_PROFILES = (
    "SMALL_CPU_SMALL_MEMORY", "MEDIUM_CPU_MEDIUM_MEMORY", "MEDIUM_CPU_MEDIUM_MEMORY_SMALL_SHARED_MEMORY",
    "LARGE_CPU_LARGE_MEMORY", "LARGE_CPU_LARGE_MEMORY_GPU_ENABLED", "X_LARGE_CPU_X_LARGE_MEMORY",
    "X_LARGE_CPU_X_LARGE_MEMORY_GPU_ENABLED", "XX_LARGE_CPU_XX_LARGE_MEMORY")


class ConfigError(ValueError):
    """A setting the plugin would refuse; the message names the key and the value."""


# ---- parsers: the same rules as the plugin's config.Parsers -------------------------------------
Parser = Callable[[str], str]


def _string(raw: str) -> str:
    return raw


def _integer(lo: int, hi: int) -> Parser:
    def parse(raw: str) -> str:
        if not re.fullmatch(r"[+-]?\d+", raw):
            raise ValueError("not a whole number")
        v = int(raw)
        if v < -2 ** 31 or v > 2 ** 31 - 1:
            raise ValueError("not a whole number")
        if v < lo or v > hi:
            raise ValueError("must be between %d and %d" % (lo, hi))
        return raw
    return parse


def _decimal(lo: float, hi: float) -> Parser:
    def parse(raw: str) -> str:
        # Java's Double.parseDouble: decimal or exponent form, an optional d/f suffix, NaN, Infinity
        if not re.fullmatch(r"[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfF]?|NaN|Infinity)", raw):
            raise ValueError("not a number")
        v = float(raw.rstrip("dDfF"))
        if v < lo or v > hi:
            raise ValueError("must be between %s and %s" % (_java_double(lo), _java_double(hi)))
        return raw
    return parse


def _java_double(v: float) -> str:
    return repr(float(v))


def _bool(raw: str) -> str:
    if raw.lower() not in ("true", "false"):
        raise ValueError("must be true or false")
    return raw.lower()


def _human_ms(ms: int) -> str:
    if ms > 0 and ms % 60_000 == 0:
        return "%d min" % (ms // 60_000)
    if ms > 0 and ms % 1000 == 0:
        return "%d s" % (ms // 1000)
    return "%d ms" % ms


_TIME_UNITS_MS = {"ms": 1, "s": 1000, "m": 60_000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}


def duration_ms(raw: str) -> int:
    """Spark's time strings (``JavaUtils.timeStringAsMs``: ``us``, ``ms``, ``s``, ``m`` or ``min``,
    ``h``, ``d``, case-insensitive), except that a bare number is seconds: the plugin's rule."""
    s = raw.strip()
    if re.fullmatch(r"-?[0-9]+", s):
        s += "s"
    m = re.fullmatch(r"(-?[0-9]+)([a-z]+)?", s.lower())
    if m is None or abs(int(m.group(1))) > 2 ** 63 - 1:
        raise ValueError("not a duration (e.g. 500ms, 30s, 5m)")
    value, suffix = int(m.group(1)), m.group(2)
    if suffix == "us":
        return value // 1000 if value >= 0 else -((-value) // 1000)  # Java's TimeUnit truncates toward zero
    if suffix not in _TIME_UNITS_MS:
        raise ValueError("not a duration (e.g. 500ms, 30s, 5m)")
    return value * _TIME_UNITS_MS[suffix]


def _duration(min_ms: int) -> Parser:
    def parse(raw: str) -> str:
        if duration_ms(raw) < min_ms:
            raise ValueError("must not be negative" if min_ms == 0 else "must be at least " + _human_ms(min_ms))
        return raw
    return parse


_SIZE_UNITS = {"b": 1, "k": 1 << 10, "kb": 1 << 10, "m": 1 << 20, "mb": 1 << 20, "g": 1 << 30, "gb": 1 << 30,
               "t": 1 << 40, "tb": 1 << 40, "p": 1 << 50, "pb": 1 << 50}


def size_bytes(raw: str) -> int:
    """Spark's size strings (``JavaUtils.byteStringAsBytes``: a bare number is bytes; ``k``, ``m``,
    ``g``, ``t``, ``p``, each with an optional ``b``, binary multiples, case-insensitive); empty means
    unset (0): the plugin's rule."""
    s = raw.strip()
    if s == "":
        return 0
    if s.startswith("-"):
        raise ValueError("must not be negative")
    m = re.fullmatch(r"([0-9]+)([a-z]+)?", s.lower())
    if m is None or int(m.group(1)) > 2 ** 63 - 1 or (m.group(2) is not None and m.group(2) not in _SIZE_UNITS):
        raise ValueError("not a size (e.g. 512m, 3g)")
    return int(m.group(1)) * _SIZE_UNITS[m.group(2) or "b"]


def _bytes(raw: str) -> str:
    size_bytes(raw)
    return raw


def _one_of(*allowed: str) -> Parser:
    def parse(raw: str) -> str:
        for a in allowed:
            if a.lower() == raw.lower():
                return a
        raise ValueError("must be one of " + ", ".join(allowed))
    return parse


def _list(raw: str) -> List[str]:
    return [x.strip() for x in raw.split(",") if x.strip()] if raw else []


def _ports(raw: str) -> str:
    for p in _list(raw):
        _integer(1, 65535)(p)
    return raw


def _command_line(raw: str) -> str:
    quote = ""
    for c in raw:
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
    if quote:
        raise ValueError("unclosed %s quote" % quote)
    return raw


def _readiness_port(raw: str) -> str:
    return raw if raw == "" else _integer(1, 65535)(raw)


def _readiness_path(raw: str) -> str:
    if not raw.startswith("/"):
        raise ValueError("must start with /")
    return raw


def _regex(raw: str) -> str:
    try:
        re.compile(raw)
    except re.error as e:
        raise ValueError(str(e)) from None
    return raw


def _resource_profile(raw: str) -> str:
    if raw == "":
        return raw
    if raw.upper() not in RESOURCE_PROFILES:
        raise ValueError("unknown resource profile; known: " + ", ".join(RESOURCE_PROFILES))
    return raw.upper()


def _user(raw: str) -> str:
    if raw and not re.fullmatch(r"\d+(:\d+)?", raw):
        raise ValueError("must be a numeric uid or uid:gid (names cannot be checked for root)")
    return raw


def _docker_host(raw: str) -> str:
    if not re.fullmatch(r"unix:///.+|tcp://[^/\s]+(:\d+)?/?", raw, re.S):
        raise ValueError("must be unix:///path or tcp://host:port")
    return raw


def _api_version(raw: str) -> str:
    if not re.fullmatch(r"1\.\d+", raw):
        raise ValueError("must look like 1.41")
    return raw


def _optional_duration(min_ms: int) -> Parser:
    def parse(raw: str) -> str:
        return raw if raw == "" else _duration(min_ms)(raw)
    return parse


def _k8s_medium(raw: str) -> str:
    if raw not in ("", "Memory"):
        raise ValueError("must be empty (the node's disk) or Memory")
    return raw


#: Every ``spark.sidecar.*`` key the plugin declares, with its default and validator (a test checks
#: this against the plugin's generated ``conf/spark-defaults.conf``, and shared vectors check the rules).
KEYS: Dict[str, "tuple[str, Parser]"] = {
    "runtime": ("auto", _one_of("auto", "docker", "process")),
    "image": ("", _string),
    "command": ("", _command_line),
    "protocol": ("none", _one_of("none", "v1", "legacy")),
    "volumes": ("shared", _string),
    "volumes.mountBase": ("/opt/sidecar/shared-volumes", _string),
    "volumes.hostDir": ("", _string),
    "ports": ("", _ports),
    "readiness": ("auto", _one_of("auto", "port", "http", "log", "agent", "healthcheck", "none")),
    "readiness.port": ("", _readiness_port),
    "readiness.path": ("/", _readiness_path),
    "readiness.logPattern": ("", _regex),
    "readiness.timeout": ("60s", _duration(100)),
    "resourceProfile": ("", _resource_profile),
    "cpus": ("0", _decimal(0, 1024)),
    "memory": ("", _bytes),
    "shm": ("", _bytes),
    "gpus": ("0", _integer(0, 64)),
    "user": ("", _user),
    "allowRoot": ("false", _bool),
    "network": ("bridge", _one_of("bridge", "host")),
    "pidsLimit": ("512", _integer(1, 1 << 22)),
    "restart.maxRestarts": ("3", _integer(0, 1000)),
    "restart.window": ("10m", _duration(1000)),
    "restart.backoff": ("1s", _duration(0)),
    "failurePolicy": ("replaceExecutor", _one_of("replaceExecutor", "failApplication", "ignore")),
    "health.interval": ("5s", _duration(100)),
    "health.staleAfter": ("30s", _duration(200)),
    "history.interval": ("10s", _duration(0)),
    "stopTimeout": ("10s", _duration(0)),
    "startup.timeout": ("90s", _duration(1000)),
    "docker.host": ("unix:///var/run/docker.sock", _docker_host),
    "docker.apiVersion": ("1.41", _api_version),
    "docker.client": ("auto", _one_of("auto", "builtin", "docker-java")),
    "docker.retries": ("3", _integer(0, 20)),
    "process.archive": ("", _string),
    "agent.concurrency": ("2", _integer(1, 256)),
    "agent.clientTimeout": ("", _optional_duration(1000)),
    "agent.staleAfter": ("5s", _duration(500)),
    "agent.grace": ("1s", _duration(0)),
    "kubernetes.nativeSidecar": ("auto", _one_of("auto", "true", "false")),
    "kubernetes.volumes.medium": ("", _k8s_medium),
    "kubernetes.volumes.sizeLimit": ("", _bytes),
    "session.maxPerExecutor": ("4", _integer(1, 1000)),
    "session.idleTimeout": ("30m", _duration(1000)),
    "session.warmAgent": ("true", _bool),
}


def validate(key: str, value: Any) -> str:
    """The value the plugin will read for ``key`` (a full ``spark.sidecar.*`` name), as a string;
    raises :class:`ConfigError` with the plugin's own message when it would be refused. Keys
    ``spark.sidecar.env.NAME`` (the sidecar's environment) take any value."""
    raw = _to_raw(value).strip()
    if key.startswith(ENV_PREFIX):
        name = key[len(ENV_PREFIX):]
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ConfigError("invalid environment variable name '%s' in %s" % (name, key))
        return _to_raw(value)
    if not key.startswith(PREFIX) or key[len(PREFIX):] not in KEYS:
        raise ConfigError("unknown key %s: the plugin declares %s" % (key, ", ".join(PREFIX + k for k in KEYS)))
    try:
        KEYS[key[len(PREFIX):]][1](raw)
    except ValueError as e:
        raise ConfigError("invalid value '%s' for %s: %s" % (_to_raw(value), key, e)) from None
    return raw


def _to_raw(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(_to_raw(v) for v in value)
    return str(value)


def _quote_word(word: str) -> str:
    if word and not re.search(r"[\s'\"]", word):
        return word
    if "'" not in word:
        return "'" + word + "'"
    if '"' not in word:
        return '"' + word + '"'
    raise ConfigError("a command word cannot hold both quote characters: %r" % word)


@dataclass(frozen=True)
class Volume:
    """A shared volume: a directory per executor, mounted in the sidecar at ``mount_path``.

    ``mount_path`` must end with the volume's name (the plugin mounts every volume at
    ``<mountBase>/<name>``), and all volumes of one sidecar share the parent directory."""

    name: str
    mount_path: Optional[str] = None

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", self.name or ""):
            raise ConfigError("invalid volume name %r for %svolumes: letters, digits, '_', '.', '-'"
                              % (self.name, PREFIX))
        if self.mount_path is not None:
            p = self.mount_path.rstrip("/")
            if not p.startswith("/") or os.path.basename(p) != self.name:
                raise ConfigError("volume %s: mount path %r must be absolute and end with /%s (the plugin mounts "
                                  "each volume at <%svolumes.mountBase>/<name>)"
                                  % (self.name, self.mount_path, self.name, PREFIX))

    @property
    def base(self) -> Optional[str]:
        return None if self.mount_path is None else os.path.dirname(self.mount_path.rstrip("/")) or "/"


@dataclass(frozen=True)
class SidecarConfig:
    """One sidecar per executor, described in Python. Every field is checked on construction
    (:class:`ConfigError` naming the key); ``None`` leaves the plugin's default.

    ``image`` and ``tag`` make ``spark.sidecar.image`` (``image:tag``); ``command`` is a string or a
    list of words; ``volumes`` are :class:`Volume` objects or names; ``env`` the sidecar's
    environment; ``extra`` any other ``spark.sidecar.*`` key (full or short name) with its value."""

    image: Optional[str] = None
    tag: Optional[str] = None
    command: Union[None, str, Sequence[str]] = None
    runtime: Optional[str] = None
    protocol: Optional[str] = None
    volumes: Sequence[Union[Volume, str]] = ()
    ports: Sequence[int] = ()
    readiness: Optional[str] = None
    resource_profile: Optional[str] = None
    cpus: Optional[float] = None
    memory: Optional[str] = None
    host_dir: Optional[str] = None
    process_archive: Optional[str] = None
    failure_policy: Optional[str] = None
    env: Mapping[str, str] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.to_conf()  # validates every value now, not at the first task

    def to_conf(self) -> Dict[str, str]:
        """The ``spark.plugins`` and ``spark.sidecar.*`` settings, validated. Does not block."""
        conf: Dict[str, str] = {"spark.plugins": PLUGIN_CLASS}

        def put(short: str, value: Any) -> None:
            if value is None:
                return
            key = short if short.startswith("spark.") else PREFIX + short
            conf[key] = validate(key, value)

        if self.tag is not None and not self.image:
            raise ConfigError("a tag (%r) needs an image (%simage)" % (self.tag, PREFIX))
        if self.image is not None:
            if self.tag is not None:
                if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", self.tag):
                    raise ConfigError("invalid tag %r for %simage" % (self.tag, PREFIX))
                last = self.image.rsplit("/", 1)[-1]
                if ":" in last or "@" in last:
                    raise ConfigError("image %r already names a tag or digest; drop tag=%r" % (self.image, self.tag))
            put("image", self.image + (":" + self.tag if self.tag is not None else ""))
        if self.command is not None:
            words = [self.command] if isinstance(self.command, str) else list(self.command)
            put("command", self.command if isinstance(self.command, str) else " ".join(_quote_word(w) for w in words))
        put("runtime", self.runtime)
        put("protocol", self.protocol)
        if self.volumes:
            vols = [v if isinstance(v, Volume) else Volume(str(v)) for v in self.volumes]
            names = [v.name for v in vols]
            if len(set(names)) != len(names):
                raise ConfigError("volume names repeat in %svolumes: %s" % (PREFIX, ",".join(names)))
            bases = {v.base for v in vols if v.base is not None}
            if len(bases) > 1:
                raise ConfigError("volumes %s are mounted under different directories (%s): the plugin mounts all "
                                  "of them under one %svolumes.mountBase" % (",".join(names), ", ".join(sorted(bases)),
                                                                            PREFIX))
            put("volumes", names)
            if bases:
                put("volumes.mountBase", bases.pop())
        if self.ports:
            put("ports", [int(p) for p in self.ports])
        put("readiness", self.readiness)
        put("resourceProfile", self.resource_profile)
        put("cpus", self.cpus)
        put("memory", self.memory)
        put("volumes.hostDir", self.host_dir)
        put("process.archive", self.process_archive)
        put("failurePolicy", self.failure_policy)
        for name, value in self.env.items():
            put(ENV_PREFIX + name, value)
        for key, value in self.extra.items():
            put(key, value)
        return conf

    def items(self) -> Iterable["tuple[str, str]"]:
        """``(key, value)`` pairs, for ``SparkConf().setAll(...)``."""
        return list(self.to_conf().items())

    def submit_args(self) -> List[str]:
        """``["--conf", "key=value", ...]`` for a ``spark-submit`` command line."""
        out: List[str] = []
        for k, v in self.to_conf().items():
            out += ["--conf", "%s=%s" % (k, v)]
        return out

    def apply(self, builder: Any, plugin_jar: Optional[str] = None) -> Any:
        """Sets the settings on a ``SparkSession.Builder`` (or anything with ``config(key, value)``)
        and returns it; ``plugin_jar`` is added to ``spark.jars``. Other plugins already named in
        ``spark.plugins`` on the builder are kept."""
        options = getattr(builder, "_options", {}) or {}
        for k, v in self.to_conf().items():
            if k == "spark.plugins":
                present = [p.strip() for p in str(options.get("spark.plugins", "")).split(",") if p.strip()]
                v = ",".join(present + ([] if PLUGIN_CLASS in present else [PLUGIN_CLASS]))
            builder = builder.config(k, v)
        if plugin_jar is not None:
            jars = [j for j in str(options.get("spark.jars", "")).split(",") if j]
            builder = builder.config("spark.jars", ",".join(jars + [plugin_jar]))
        return builder
