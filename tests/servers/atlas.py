"""A small Apache Atlas REST v2 stand-in on 127.0.0.1 that records requests and checks them as Atlas would.

It knows the stock types the lineage uses (with the attributes Atlas' models mark as required),
accepts typedef registration, and answers ``POST /api/atlas/v2/entity/bulk`` with Atlas' mutation
response: new entities get a guid (``guidAssignments`` for placeholder guids), entities whose
``(typeName, qualifiedName)`` already exist are updates. Bad references, missing required attributes
and unknown types get Atlas-style 400/404 errors, so a test sees what a real Atlas would refuse.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# type -> (super type, required attributes beyond qualifiedName/name), from Atlas' addons/models.
STOCK_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "DataSet": ("Asset", ()), "Process": ("Asset", ()),
    "kafka_topic": ("DataSet", ("topic", "uri")),
    "hive_db": ("Asset", ("clusterName",)),
    "hive_table": ("DataSet", ()),
    "hbase_namespace": ("Asset", ("clusterName",)),
    "hbase_table": ("DataSet", ("uri",)),
    "fs_path": ("DataSet", ("path",)),
    "aws_s3_v2_bucket": ("DataSet", ()),
    "aws_s3_v2_directory": ("DataSet", ()),
}
# relationship attribute -> the type it must point at
RELATIONSHIPS = {("hive_table", "db"): "hive_db", ("hbase_table", "namespace"): "hbase_namespace",
                 ("aws_s3_v2_directory", "container"): "aws_s3_v2_bucket"}


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class AtlasState:
    users: dict[str, str] = field(default_factory=lambda: {"admin": "atlas-pw-9f3k"})
    types: dict[str, str] = field(default_factory=lambda: {k: v[0] for k, v in STOCK_TYPES.items()})
    typedefs: dict[str, dict] = field(default_factory=dict)
    entities: dict[tuple[str, str], dict] = field(default_factory=dict)  # (type, qualifiedName) -> entity
    requests: list[Request] = field(default_factory=list)
    guids: Any = field(default_factory=lambda: (f"guid-{n:04d}" for n in itertools.count(1)))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def is_a(self, type_name: str, ancestor: str) -> bool:
        while type_name in self.types:
            if type_name == ancestor:
                return True
            type_name = self.types[type_name]
        return type_name == ancestor

    def by_guid(self, guid: str) -> dict | None:
        return next((e for e in self.entities.values() if e["guid"] == guid), None)


class _Handler(BaseHTTPRequestHandler):
    state: AtlasState

    def log_message(self, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: Any = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: str, message: str) -> None:
        self._reply(status, {"errorCode": code, "errorMessage": message})

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        self.state.requests.append(Request(method, self.path, dict(self.headers), body))
        auth = self.headers.get("Authorization", "")
        user, _, password = base64.b64decode(auth[6:]).decode().partition(":") if auth.startswith("Basic ") else (
            "", "", "")
        if self.state.users.get(user) != password or not user:
            self._reply(401)
            return
        with self.state.lock:
            if method == "GET" and self.path.startswith("/api/atlas/v2/types/typedef/name/"):
                name = self.path.rsplit("/", 1)[-1]
                if name in self.state.typedefs or name in STOCK_TYPES:
                    self._reply(200, self.state.typedefs.get(name, {"name": name}))
                else:
                    self._error(404, "ATLAS-404-00-002", f"Given typename {name} was invalid")
            elif method == "POST" and self.path == "/api/atlas/v2/types/typedefs":
                self._typedefs(body)
            elif method == "POST" and self.path == "/api/atlas/v2/entity/bulk":
                self._bulk(body)
            else:
                self._error(404, "ATLAS-404-00-000", f"no such endpoint {method} {self.path}")

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _typedefs(self, body: dict) -> None:
        for d in body.get("entityDefs", []):
            if d["name"] in self.state.types:
                self._error(409, "ATLAS-409-00-001", f"Given type {d['name']} already exists")
                return
            for sup in d.get("superTypes", []):
                if sup not in self.state.types:
                    self._error(400, "ATLAS-400-00-005", f"unknown super type {sup}")
                    return
        for d in body.get("entityDefs", []):
            self.state.typedefs[d["name"]] = d
            self.state.types[d["name"]] = d["superTypes"][0]
        self._reply(200, body)

    def _bulk(self, body: dict) -> None:
        entities = body["entities"]
        placeholders = {e["guid"]: e for e in entities}
        for e in entities:
            t, attrs = e["typeName"], e.get("attributes", {})
            if t not in self.state.types:
                self._error(404, "ATLAS-404-00-002", f"Given typename {t} was invalid")
                return
            required = ("qualifiedName", "name", *STOCK_TYPES.get(t, ("", ()))[1])
            missing = [a for a in required if not attrs.get(a)]
            if missing:
                self._error(400, "ATLAS-400-00-08D", f"{t}: mandatory attribute(s) {missing} missing")
                return
            refs = [("inputs", r) for r in attrs.get("inputs", [])] + [("outputs", r) for r in attrs.get("outputs", [])]
            refs += [(k, r) for k, r in (e.get("relationshipAttributes") or {}).items()]
            for attr, ref in refs:
                target = placeholders.get(ref["guid"]) or self.state.by_guid(ref["guid"])
                if target is None or target["typeName"] != ref["typeName"]:
                    self._error(404, "ATLAS-404-00-00A", f"{t}.{attr}: referenced entity {ref} not found")
                    return
                expected = RELATIONSHIPS.get((t, attr), "DataSet")
                if attr in ("inputs", "outputs") and not self.state.is_a(target["typeName"], "DataSet"):
                    self._error(400, "ATLAS-400-00-01A", f"{t}.{attr} must reference DataSets")
                    return
                if attr not in ("inputs", "outputs") and target["typeName"] != expected:
                    self._error(400, "ATLAS-400-00-01A", f"{t}.{attr} must reference a {expected}")
                    return
            if self.state.is_a(t, "Process") and not (attrs.get("inputs") or attrs.get("outputs")):
                self._error(400, "ATLAS-400-00-08D", f"{t}: a process needs inputs or outputs")
                return
        assignments: dict[str, str] = {}
        for e in entities:
            existing = self.state.entities.get((e["typeName"], e["attributes"]["qualifiedName"]))
            assignments[e["guid"]] = existing["guid"] if existing else next(self.state.guids)

        def resolve(ref: dict) -> dict:
            return {**ref, "guid": assignments.get(ref["guid"], ref["guid"])}

        created, updated = [], []
        for e in entities:
            key = (e["typeName"], e["attributes"]["qualifiedName"])
            existing = self.state.entities.get(key)
            guid = assignments[e["guid"]]
            attrs = {k: [resolve(r) for r in v] if k in ("inputs", "outputs") else v
                     for k, v in e["attributes"].items()}
            rels = {k: resolve(r) for k, r in (e.get("relationshipAttributes") or {}).items()}
            self.state.entities[key] = {**e, "guid": guid, "attributes": attrs, "relationshipAttributes": rels}
            header = {"typeName": e["typeName"], "guid": guid,
                      "attributes": {"qualifiedName": e["attributes"]["qualifiedName"]}}
            (updated if existing else created).append(header)
        assignments = {k: v for k, v in assignments.items() if k.startswith("-")}
        mutated = {k: v for k, v in (("CREATE", created), ("UPDATE", updated)) if v}
        self._reply(200, {"mutatedEntities": mutated, "guidAssignments": assignments})


class LocalAtlas:
    """``with LocalAtlas() as atlas: atlas.url, atlas.state``."""

    def __init__(self) -> None:
        self.state = AtlasState()
        handler = type("Handler", (_Handler,), {"state": self.state})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LocalAtlas:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def entity(self, type_name: str, qualified_name: str) -> dict:
        return self.state.entities[(type_name, qualified_name)]

    def names(self, type_name: str) -> set[str]:
        return {q for t, q in self.state.entities if t == type_name}
