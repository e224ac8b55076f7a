"""Lineage to Apache Atlas: topics, the topology and its sub-topologies as processes, and the sinks' datasets.

The input is neutral (:class:`TopologyLineage`: a name, sub-topologies with their input and output
topics, and the :class:`~airstream.common.sink.Dataset` list each sink reports), so a topology from
:mod:`topology`, a hand-written description or another engine map onto it with a thin adapter
(:func:`lineage_from_topology`). :func:`atlas_entities` turns it into Atlas entities:

=====================  ===================================  =====================================
what                   Atlas type                           qualifiedName
=====================  ===================================  =====================================
Kafka topic            ``kafka_topic``                      ``topic@cluster``
topology               ``airstream_topology`` (a Process)   ``application@cluster``
sub-topology           ``airstream_subtopology`` (Process)  ``application.subtopology-N@cluster``
Impala/Hive table      ``hive_table`` (+ ``hive_db``)       ``db.table@cluster``
S3 location            ``aws_s3_v2_directory`` (+ bucket)   ``s3a://bucket/prefix/@cluster``
local or HDFS folder   ``fs_path``                          ``file:///path@cluster``
HBase table            ``hbase_table`` (+ namespace)        ``namespace:table@cluster``
Kudu table             ``kudu_table``                       ``table@cluster``
model (an input)       ``airstream_ml_model``               ``endpoint URL@cluster``
Slack channel          ``airstream_slack_channel``          ``slack:#channel@cluster``
=====================  ===================================  =====================================

Atlas' own types are used as its published models define them (``addons/models`` of Apache Atlas;
the tests check every entity against those files). :class:`AtlasClient` registers the types airstream
adds (if missing) and posts everything in one ``POST /api/atlas/v2/entity/bulk``. Atlas creates or
updates entities by qualifiedName, so publishing again updates the same entities instead of adding copies.

    >>> lineage = TopologyLineage("cloudair", [SubTopologyLineage("0", ["tweets"], ["airlines"])])
    >>> [e["attributes"]["qualifiedName"] for e in atlas_entities(lineage, cluster="cm")]
    ['tweets@cm', 'airlines@cm', 'cloudair.subtopology-0@cm', 'cloudair@cm']
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlparse

from airstream.common.redact import RedactingFilter, url_without_credentials
from airstream.common.sink import Dataset

if TYPE_CHECKING:  # httpx loads when a client is made: `airstream --help` stays fast
    import httpx

__all__ = [
    "AIRSTREAM_TYPEDEFS",
    "AtlasClient",
    "AtlasError",
    "PublishResult",
    "SubTopologyLineage",
    "TopologyLineage",
    "add_arguments",
    "atlas_entities",
    "lineage_from_topology",
    "load_topology",
    "publish_lineage",
    "run",
]

TOPOLOGY_TYPE = "airstream_topology"
SUBTOPOLOGY_TYPE = "airstream_subtopology"
KUDU_TYPE = "kudu_table"
MODEL_TYPE = "airstream_ml_model"
SLACK_TYPE = "airstream_slack_channel"


def _string_attribute(name: str) -> dict[str, Any]:
    return {"name": name, "typeName": "string", "isOptional": True, "cardinality": "SINGLE", "isUnique": False,
            "isIndexable": True}


AIRSTREAM_TYPEDEFS: dict[str, dict[str, Any]] = {
    TOPOLOGY_TYPE: {
        "name": TOPOLOGY_TYPE, "superTypes": ["Process"], "serviceType": "airstream", "typeVersion": "1.0",
        "description": "An airstream (Kafka Streams-style) topology, run as one consumer group",
        "attributeDefs": [_string_attribute("applicationId")],
    },
    SUBTOPOLOGY_TYPE: {
        "name": SUBTOPOLOGY_TYPE, "superTypes": ["Process"], "serviceType": "airstream", "typeVersion": "1.0",
        "description": "One sub-topology of an airstream topology (a set of tasks between topics)",
        "attributeDefs": [_string_attribute("topology")],
    },
    KUDU_TYPE: {
        "name": KUDU_TYPE, "superTypes": ["DataSet"], "serviceType": "kudu", "typeVersion": "1.0",
        "description": "An Apache Kudu table", "attributeDefs": [],
    },
    MODEL_TYPE: {
        "name": MODEL_TYPE, "superTypes": ["DataSet"], "serviceType": "airstream", "typeVersion": "1.0",
        "description": "A model a topology scores records with, and the endpoint that serves it",
        "attributeDefs": [_string_attribute("endpoint"), _string_attribute("version")],
    },
    SLACK_TYPE: {
        "name": SLACK_TYPE, "superTypes": ["DataSet"], "serviceType": "airstream", "typeVersion": "1.0",
        "description": "A Slack channel a topology posts messages to",
        "attributeDefs": [_string_attribute("channel")],
    },
}


class AtlasError(Exception):
    """Atlas refused or could not be reached; the message says which and what to check."""


@dataclass(frozen=True)
class SubTopologyLineage:
    """One sub-topology: the topics it reads and writes, and the sink datasets it writes."""

    name: str
    inputs: Sequence[str]
    outputs: Sequence[str]
    datasets: Sequence[Dataset] = ()


@dataclass(frozen=True)
class TopologyLineage:
    """A topology for lineage: its name (the application id), sub-topologies and description."""

    name: str
    sub_topologies: Sequence[SubTopologyLineage]
    description: str = ""
    datasets: Sequence[Dataset] = ()
    """Sink datasets of the topology not attributed to one sub-topology."""
    reads: Sequence[Dataset] = ()
    """What the topology reads besides topics, e.g. the model it scores with: inputs of the topology."""

    def external_inputs(self) -> list[str]:
        """Topics read but not written inside the topology (internal topics are both)."""
        written = {t for s in self.sub_topologies for t in s.outputs}
        return _unique(t for s in self.sub_topologies for t in s.inputs if t not in written)

    def external_outputs(self) -> list[str]:
        """Topics written but not read inside the topology."""
        read = {t for s in self.sub_topologies for t in s.inputs}
        return _unique(t for s in self.sub_topologies for t in s.outputs if t not in read)


def lineage_from_topology(topology: Any, application_id: str,
                          datasets: Mapping[int, Sequence[Dataset]] | Sequence[Dataset] = (),
                          reads: Sequence[Dataset] = ()) -> TopologyLineage:
    """A :class:`TopologyLineage` from a :class:`airstream.Topology`.

    Internal (repartition, changelog-fed) topics get the ``<application_id>-`` prefix the engine
    gives them. ``datasets`` are the sinks' :meth:`~airstream.common.sink.Sink.lineage` results, per
    sub-topology id, or one list for the topology as a whole; ``reads`` what the topology reads
    besides its topics (``CMLClient.lineage()``: the model it scores with). Processor nodes whose operator has a
    ``lineage()`` method contribute their datasets to their sub-topology automatically.
    Topic-extractor sinks (a function choosing the topic per record) have no fixed name and are left out.
    """
    subs: list[SubTopologyLineage] = []
    described = [s for s in topology.describe().subtopologies if hasattr(s, "nodes")]
    per_sub = datasets if isinstance(datasets, Mapping) else {}
    for sub in described:
        inputs: list[str] = []
        outputs: list[str] = []
        found: list[Dataset] = list(per_sub.get(sub.id, ()))
        for node in sub.nodes:
            prefix = f"{application_id}-" if node.internal else ""
            if node.kind == "source":
                inputs += [prefix + t for t in node.topics]
            elif node.kind == "sink" and isinstance(node.topic, str):
                outputs.append(prefix + node.topic)
            reporter = getattr(node.op, "lineage", None)
            if callable(reporter):
                found += list(reporter())
        subs.append(SubTopologyLineage(str(sub.id), inputs, outputs, found))
    whole = [] if isinstance(datasets, Mapping) else list(datasets)
    return TopologyLineage(application_id, subs, description=str(topology.describe()), datasets=whole,
                           reads=list(reads))


def atlas_entities(lineage: TopologyLineage, cluster: str) -> list[dict[str, Any]]:
    """The Atlas entities (v2 JSON) for ``lineage``; references use negative placeholder guids."""
    builder = _EntityBuilder(cluster)
    for sub in lineage.sub_topologies:
        for topic in [*sub.inputs, *sub.outputs]:
            builder.topic(topic)
    sub_refs = []
    for sub in lineage.sub_topologies:
        ins = [builder.topic(t) for t in sub.inputs]
        outs = [builder.topic(t) for t in sub.outputs] + [builder.dataset(d) for d in sub.datasets]
        sub_refs.append(builder.add(SUBTOPOLOGY_TYPE, f"{lineage.name}.subtopology-{sub.name}",
                                    f"{lineage.name} sub-topology {sub.name}",
                                    {"inputs": ins, "outputs": _unique_refs(outs), "topology": lineage.name}))
    all_datasets = [d for s in lineage.sub_topologies for d in s.datasets] + list(lineage.datasets)
    builder.add(TOPOLOGY_TYPE, lineage.name, lineage.name, {
        "inputs": _unique_refs([builder.topic(t) for t in lineage.external_inputs()]
                               + [builder.dataset(d) for d in lineage.reads]),
        "outputs": _unique_refs([builder.topic(t) for t in lineage.external_outputs()]
                                + [builder.dataset(d) for d in all_datasets]),
        "applicationId": lineage.name,
        "description": lineage.description or f"airstream topology {lineage.name}",
    })
    return builder.entities


@dataclass
class PublishResult:
    """What Atlas did: guids by qualifiedName, and which were created or updated."""

    guids: dict[str, str] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    types_registered: list[str] = field(default_factory=list)


class AtlasClient:
    """Talks to the Atlas REST API v2 with httpx.

    Args:
        url: Atlas' base URL, e.g. ``https://atlas.example.com:31443``.
        username / password: basic authentication; the password defaults to ``$ATLAS_PASSWORD``
            and is never logged or shown, not even when a server echoes the request in an error.
        auth: ``"basic"`` (default when a user is given), ``"kerberos"`` (SPNEGO through the optional
            ``httpx-gssapi`` package) or ``"none"``.
        verify: TLS verification: True, False, or a CA bundle path.

        >>> c = AtlasClient("http://atlas:21000", username="admin", password="s3cret")
        >>> "s3cret" in repr(c)
        False
    """

    def __init__(self, url: str, *, username: str | None = None, password: str | None = None,
                 auth: Literal["basic", "kerberos", "none"] | None = None, timeout: float = 30.0,
                 verify: bool | str = True, transport: httpx.BaseTransport | None = None) -> None:
        import httpx

        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise AtlasError(f"Atlas URL {url!r} is not an http(s) URL, e.g. http://atlas-host:21000")
        if parsed.password:
            raise AtlasError("put the Atlas password in ATLAS_PASSWORD (or password=), not in the URL")
        self.url = url.rstrip("/")
        self.username = username or os.environ.get("ATLAS_USER") or None
        mode = auth or ("basic" if self.username else "none")
        self.auth_mode = mode
        # What the client sends, kept to remove it from any answer or exception text it shows.
        self._scrub = RedactingFilter()
        self._scrub.hide_url_secrets(url, keep_path=True)
        http_auth: httpx.Auth | None = None
        if mode == "basic":
            secret = password if password is not None else os.environ.get("ATLAS_PASSWORD")
            if not self.username or secret is None:
                raise AtlasError("Atlas basic authentication needs a user and a password "
                                 "(--atlas-user / ATLAS_USER and ATLAS_PASSWORD)")
            self._scrub.hide_basic_auth(self.username, secret)
            http_auth = httpx.BasicAuth(self.username, secret)
        elif mode == "kerberos":
            try:
                # httpx-gssapi is an optional extra that the type-checking environment does not install.
                from httpx_gssapi import HTTPSPNEGOAuth  # type: ignore[import-not-found]
            except ImportError:
                raise AtlasError("Kerberos authentication to Atlas needs httpx-gssapi (and a valid ticket "
                                 "from kinit): pip install httpx-gssapi") from None
            http_auth = HTTPSPNEGOAuth()
        elif mode != "none":
            raise AtlasError(f"Atlas auth {mode!r}: use 'basic', 'kerberos' or 'none'")
        self._http = httpx.Client(base_url=self.url, auth=http_auth, timeout=timeout, verify=verify,
                                  transport=transport, headers={"Accept": "application/json"})

    def __repr__(self) -> str:
        return f"AtlasClient({url_without_credentials(self.url)}, auth={self.auth_mode}, user={self.username})"

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def ensure_types(self, typedefs: Mapping[str, Mapping[str, Any]] = AIRSTREAM_TYPEDEFS) -> list[str]:
        """Register the entity types Atlas does not have yet; return their names."""
        missing = [name for name in typedefs
                   if self._request("GET", f"/api/atlas/v2/types/typedef/name/{name}", allow_404=True) is None]
        if missing:
            self._request("POST", "/api/atlas/v2/types/typedefs",
                          json={"entityDefs": [typedefs[n] for n in missing]})
        return missing

    def post_entities(self, entities: list[dict[str, Any]]) -> dict[str, Any]:
        """``POST /api/atlas/v2/entity/bulk``: create or update the entities; Atlas' mutation response."""
        return self._request("POST", "/api/atlas/v2/entity/bulk", json={"entities": entities}) or {}

    def _request(self, method: str, path: str, json: Any = None, allow_404: bool = False) -> Any:
        import httpx

        try:
            response = self._http.request(method, path, json=json)
        except httpx.HTTPError as exc:
            raise AtlasError(f"cannot reach Atlas at {url_without_credentials(self.url)}: "
                             f"{self._scrub.redact(str(exc))}") from None
        if response.status_code == 404 and allow_404:
            return None
        if response.status_code in (401, 403):
            raise AtlasError(f"Atlas refused {method} {path} ({response.status_code}): check the user, the "
                             f"password (ATLAS_PASSWORD) or the Kerberos ticket, and the user's Atlas rights")
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = None
            # A proxy in front of Atlas may answer with JSON that is not Atlas' error object.
            detail = (body.get("errorMessage") if isinstance(body, dict) else None) or response.text
            # Scrubbed before it is cut: a cut could leave a secret's head that no longer matches.
            raise AtlasError(f"Atlas answered {response.status_code} to {method} {path}: "
                             f"{self._scrub.redact(str(detail))[:500]}")
        return response.json() if response.content else None


def publish_lineage(lineage: TopologyLineage, client: AtlasClient, cluster: str) -> PublishResult:
    """Register airstream's types if needed and publish the lineage in one bulk request."""
    registered = client.ensure_types()
    entities = atlas_entities(lineage, cluster)
    answer = client.post_entities(entities)
    placeholder_names = {e["guid"]: e["attributes"]["qualifiedName"] for e in entities}
    result = PublishResult(types_registered=registered)
    for placeholder, guid in (answer.get("guidAssignments") or {}).items():
        if placeholder in placeholder_names:
            result.guids[placeholder_names[placeholder]] = guid
    mutated = answer.get("mutatedEntities") or {}
    for kind, target in (("CREATE", result.created), ("UPDATE", result.updated)):
        for header in mutated.get(kind, []):
            name = (header.get("attributes") or {}).get("qualifiedName")
            if name:
                target.append(name)
                result.guids.setdefault(name, header.get("guid", ""))
    return result


class _EntityBuilder:
    """Collects entities once per qualifiedName and hands out references to them."""

    def __init__(self, cluster: str) -> None:
        self.cluster = cluster
        self.entities: list[dict[str, Any]] = []
        self._refs: dict[tuple[str, str], dict[str, str]] = {}

    def add(self, type_name: str, qualified: str, name: str, attributes: Mapping[str, Any],
            relationships: Mapping[str, Any] | None = None) -> dict[str, str]:
        key = (type_name, f"{qualified}@{self.cluster}")
        if key not in self._refs:
            guid = str(-(len(self.entities) + 1))
            entity: dict[str, Any] = {"typeName": type_name, "guid": guid, "attributes": {
                "qualifiedName": key[1], "name": name, **attributes}}
            if relationships:
                entity["relationshipAttributes"] = dict(relationships)
            self.entities.append(entity)
            self._refs[key] = {"guid": guid, "typeName": type_name}
        return self._refs[key]

    def topic(self, topic: str) -> dict[str, str]:
        # Atlas' kafka_topic has no clusterName: the cluster is in the qualifiedName only.
        return self.add("kafka_topic", topic, topic, {"topic": topic, "uri": topic})

    def dataset(self, d: Dataset) -> dict[str, str]:
        if d.kind == "kafka_topic":
            return self.topic(d.name)
        if d.kind == "hive_table":
            db_name = (d.namespace or "default").lower()
            db = self.add("hive_db", db_name, db_name, {"clusterName": self.cluster})
            return self.add("hive_table", f"{db_name}.{d.name.lower()}", d.name.lower(), {},
                            relationships={"db": db})
        if d.kind == "hbase_table":
            ns_name = d.namespace or "default"
            ns = self.add("hbase_namespace", ns_name, ns_name, {"clusterName": self.cluster})
            return self.add("hbase_table", f"{ns_name}:{d.name}", d.name, {"uri": f"{ns_name}:{d.name}"},
                            relationships={"namespace": ns})
        if d.kind == "kudu_table":
            return self.add(KUDU_TYPE, d.name, d.name, {})
        if d.kind == "ml_model":
            endpoint = d.namespace or d.name
            return self.add(MODEL_TYPE, endpoint, d.name, {"endpoint": endpoint, **dict(d.details)})
        if d.kind == "slack_channel":
            return self.add(SLACK_TYPE, f"{d.namespace or 'slack'}:{d.name}", d.name, {"channel": d.name})
        if d.kind == "path":
            return self._path(d.name)
        raise AtlasError(f"dataset kind {d.kind!r} has no Atlas mapping")

    def _path(self, uri: str) -> dict[str, str]:
        parsed = urlparse(uri)
        if parsed.scheme in ("s3", "s3a"):
            bucket_uri = f"s3a://{parsed.netloc}"
            bucket = self.add("aws_s3_v2_bucket", bucket_uri, parsed.netloc, {})
            prefix = "/" + parsed.path.strip("/") + "/"
            return self.add("aws_s3_v2_directory", bucket_uri + prefix, prefix.strip("/").rsplit("/", 1)[-1],
                            {"objectPrefix": prefix}, relationships={"container": bucket})
        path = uri if parsed.scheme else "file://" + os.path.abspath(uri)
        return self.add("fs_path", path, os.path.basename(parsed.path.rstrip("/")) or path, {"path": path})


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _unique_refs(refs: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    seen: dict[str, dict[str, str]] = {}
    for r in refs:
        seen.setdefault(r["guid"], r)
    return list(seen.values())


# -- `airstream lineage` ----------------------------------------------------------------------------

def load_topology(target: str) -> tuple[Any, list[Dataset], str]:
    """``script.py:name`` -> (the Topology, datasets of the script's ``sinks`` list, its application id).

    ``name`` may be a Topology, a StreamsBuilder (built here) or a function returning either. A
    module-level ``sinks`` list of sinks adds their datasets to the lineage. The application id is the
    script's ``APPLICATION_ID`` if it sets one, else the script's file name without ``.py``.
    """
    import runpy

    path, sep, name = target.rpartition(":")
    if not sep or not path.endswith(".py") or not name:
        raise AtlasError(f"{target!r}: give SCRIPT.py:NAME, e.g. examples/cloudair/pipeline.py:topology")
    if not os.path.exists(path):
        raise AtlasError(f"{path}: no such script")
    namespace = runpy.run_path(path, run_name="__airstream_lineage__")
    if name not in namespace:
        found = sorted(k for k, v in namespace.items() if not k.startswith("_") and not isinstance(v, type) and (
            hasattr(v, "describe") or hasattr(v, "build")
            or (getattr(v, "__module__", None) == "__airstream_lineage__" and callable(v))))
        raise AtlasError(f"{path} defines no {name!r}; topologies, builders and functions it defines: "
                         f"{found or 'none'}")
    obj = namespace[name]
    if callable(obj) and not hasattr(obj, "describe") and not hasattr(obj, "build"):
        obj = obj()
    if not hasattr(obj, "describe") and hasattr(obj, "build"):
        obj = obj.build()
    if not hasattr(obj, "describe"):
        raise AtlasError(f"{target}: {type(obj).__name__} is not a Topology, a StreamsBuilder or a function "
                         f"returning one")
    datasets = [d for sink in namespace.get("sinks", []) for d in sink.lineage()]
    app_id = namespace.get("APPLICATION_ID") or os.path.splitext(os.path.basename(path))[0]
    return obj, datasets, str(app_id)


def add_arguments(parser: Any) -> Any:
    """Add the ``airstream lineage`` arguments to an argparse parser."""
    parser.description = "Publish a topology's lineage (topics, processes, sink datasets) to Apache Atlas."
    parser.add_argument("target", metavar="SCRIPT.py:NAME", help="the topology (or builder, or function)")
    parser.add_argument("--atlas-url", default=os.environ.get("ATLAS_URL"),
                        help="Atlas base URL (default: $ATLAS_URL)")
    parser.add_argument("--atlas-user", default=os.environ.get("ATLAS_USER"),
                        help="user for basic auth (default: $ATLAS_USER); the password comes from $ATLAS_PASSWORD")
    parser.add_argument("--auth", choices=["basic", "kerberos", "none"], help="default: basic when a user is set")
    parser.add_argument("--cluster", default=os.environ.get("ATLAS_CLUSTER", "primary"),
                        help="cluster / metadata namespace in qualified names (default: $ATLAS_CLUSTER or primary)")
    parser.add_argument("--application-id",
                        help="the application id (default: the script's APPLICATION_ID, else its file name)")
    parser.add_argument("--ca-cert", help="CA bundle for Atlas' TLS certificate")
    parser.add_argument("--dry-run", action="store_true", help="print the entities as JSON instead of publishing")
    parser.set_defaults(func=run)
    return parser


def run(args: Any) -> int:
    """Run parsed ``airstream lineage`` arguments; returns the exit code."""
    import sys

    import orjson

    try:
        topology, datasets, app_id = load_topology(args.target)
        lineage = lineage_from_topology(topology, args.application_id or app_id, datasets)
        if args.dry_run:
            print(orjson.dumps(atlas_entities(lineage, args.cluster), option=orjson.OPT_INDENT_2).decode())
            return 0
        if not args.atlas_url:
            raise AtlasError("no Atlas URL: pass --atlas-url or set ATLAS_URL (or use --dry-run)")
        client = AtlasClient(args.atlas_url, username=args.atlas_user, auth=args.auth,
                             verify=args.ca_cert or True)
        try:
            result = publish_lineage(lineage, client, args.cluster)
        finally:
            client.close()
    except AtlasError as exc:
        print(f"airstream lineage: {exc}", file=sys.stderr)
        return 1
    print(f"published {lineage.name} to {args.atlas_url}: {len(result.created)} created, "
          f"{len(result.updated)} updated" + (f", registered types {', '.join(result.types_registered)}"
                                               if result.types_registered else ""))
    return 0
