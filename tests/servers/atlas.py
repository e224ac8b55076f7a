"""A small Apache Atlas REST v2 stand-in on 127.0.0.1 that records requests and checks them as Atlas would.

Its types are Atlas' own, read from Atlas' published model files (:mod:`servers.atlas_types`); it
accepts typedef registration, and answers ``POST /api/atlas/v2/entity/bulk`` with Atlas' mutation
response: new entities get a guid (``guidAssignments`` for placeholder guids), entities whose
``(typeName, qualifiedName)`` already exist are updates. Unknown types, attributes the type does not
define, missing mandatory attributes and references of the wrong type get Atlas-style 400/404 errors,
so a test sees what a real Atlas would refuse (or silently drop).
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from servers.atlas_types import AtlasTypes, load_atlas_types


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class AtlasState:
    users: dict[str, str] = field(default_factory=lambda: {"admin": "atlas-pw-9f3k"})
    types: AtlasTypes = field(default_factory=load_atlas_types)
    typedefs: dict[str, dict] = field(default_factory=dict)
    entities: dict[tuple[str, str], dict] = field(default_factory=dict)  # (type, qualifiedName) -> entity
    requests: list[Request] = field(default_factory=list)
    guids: Any = field(default_factory=lambda: (f"guid-{n:04d}" for n in itertools.count(1)))
    lock: threading.Lock = field(default_factory=threading.Lock)

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
                if name in self.state.types.entities:
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
            problem = self.state.types.register(d)
            if problem is not None:
                exists = problem.endswith("already exists")
                self._error(409 if exists else 400, "ATLAS-409-00-001" if exists else "ATLAS-400-00-005", problem)
                return
            self.state.typedefs[d["name"]] = d
        self._reply(200, body)

    def _bulk(self, body: dict) -> None:
        entities = body["entities"]
        type_of = {e["guid"]: e["typeName"] for e in entities}
        type_of.update({e["guid"]: e["typeName"] for e in self.state.entities.values()})
        for e in entities:
            t, attrs = e["typeName"], e.get("attributes", {})
            problems = self.state.types.problems(e, type_of)
            if problems:
                status = 404 if problems[0].startswith("Given typename") else 400
                self._error(status, "ATLAS-404-00-002" if status == 404 else "ATLAS-400-00-08D", "; ".join(problems))
                return
            refs = [(k, r) for k in ("inputs", "outputs") for r in attrs.get(k, [])]
            refs += [(k, r) for k, r in (e.get("relationshipAttributes") or {}).items()]
            for attr, ref in refs:
                if ref["guid"] not in type_of or type_of[ref["guid"]] != ref["typeName"]:
                    self._error(404, "ATLAS-404-00-00A", f"{t}.{attr}: referenced entity {ref} not found")
                    return
            if self.state.types.is_a(t, "Process") and not (attrs.get("inputs") or attrs.get("outputs")):
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
