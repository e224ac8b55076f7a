"""Apache Atlas' own type system, from its published model files, to check entities as Atlas reads them.

``tests/data/atlas-models`` holds Atlas' model files for the types airstream's lineage uses (the base
model, file system, Hive, HBase, Kafka and AWS S3 v2) with their patches, copied from the Apache Atlas
repository (see the README there). :func:`load_atlas_types` reads them and applies the patches Atlas
applies at start (added attributes and super types, legacy reference attributes turned into
relationships), so what an entity may carry is Atlas' word, not ours.

:meth:`AtlasTypes.problems` is stricter than Atlas in one way on purpose: Atlas drops an attribute its
type does not define without a word, so a lineage that sends one loses it; here it is an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MODELS = Path(__file__).resolve().parent.parent / "data" / "atlas-models"

_PRIMITIVES: dict[str, tuple[type, ...]] = {
    "string": (str,), "int": (int,), "long": (int,), "short": (int,), "byte": (int,), "boolean": (bool,),
    "float": (int, float), "double": (int, float), "date": (int,),
}


@dataclass
class EntityType:
    name: str
    super_types: list[str]
    attributes: dict[str, dict[str, Any]]


@dataclass
class AtlasTypes:
    """Entity types (with their attribute definitions), relationship ends, enums and structs."""

    entities: dict[str, EntityType] = field(default_factory=dict)
    # (entity type, relationship attribute name) -> the type at the other end
    relationship_ends: dict[tuple[str, str], str] = field(default_factory=dict)
    enums: dict[str, set[str]] = field(default_factory=dict)
    structs: set[str] = field(default_factory=set)

    def ancestors(self, name: str) -> list[str]:
        """``name`` and every super type above it."""
        seen: list[str] = []
        todo = [name]
        while todo:
            current = todo.pop(0)
            if current in seen or current not in self.entities:
                continue
            seen.append(current)
            todo += self.entities[current].super_types
        return seen

    def is_a(self, name: str, ancestor: str) -> bool:
        return ancestor in self.ancestors(name)

    def attributes(self, name: str) -> dict[str, dict[str, Any]]:
        """Every attribute definition of the type, inherited ones included."""
        found: dict[str, dict[str, Any]] = {}
        for t in reversed(self.ancestors(name)):
            found.update(self.entities[t].attributes)
        return found

    def relationship_end(self, name: str, attribute: str) -> str | None:
        """The type a relationship attribute of ``name`` points at, if Atlas defines one."""
        for t in self.ancestors(name):
            if (t, attribute) in self.relationship_ends:
                return self.relationship_ends[(t, attribute)]
        return None

    def register(self, entity_def: dict[str, Any]) -> str | None:
        """Add a type posted to ``/types/typedefs``; the problem (as Atlas words it) if it cannot be added."""
        name = entity_def["name"]
        if name in self.entities:
            return f"Given type {name} already exists"
        for sup in entity_def.get("superTypes", []):
            if sup not in self.entities:
                return f"{sup}: unknown super type of {name}"
        for attr in entity_def.get("attributeDefs", []):
            if self._type_problem(attr["typeName"]):
                return f"{name}.{attr['name']}: {self._type_problem(attr['typeName'])}"
        self.entities[name] = EntityType(name, list(entity_def.get("superTypes", [])),
                                         {a["name"]: a for a in entity_def.get("attributeDefs", [])})
        return None

    def _type_problem(self, type_name: str) -> str | None:
        inner = type_name[6:-1] if type_name.startswith("array<") else type_name
        if inner.startswith("map<"):
            return None
        if inner in _PRIMITIVES or inner in self.entities or inner in self.enums or inner in self.structs:
            return None
        return f"unknown type {type_name}"

    def problems(self, entity: dict[str, Any], type_of: dict[str, str]) -> list[str]:
        """What Atlas' model says is wrong with ``entity``; ``type_of`` gives the type of a referenced guid."""
        name = entity["typeName"]
        if name not in self.entities:
            return [f"Given typename {name} was invalid"]
        defined = self.attributes(name)
        attrs = entity.get("attributes", {})
        relations = entity.get("relationshipAttributes") or {}
        found = []
        for key, value in attrs.items():
            if key not in defined:
                found.append(f"{name}.{key}: no such attribute in Atlas' model (Atlas would drop it)")
                continue
            problem = self._value_problem(defined[key]["typeName"], value, type_of)
            if problem:
                found.append(f"{name}.{key}: {problem}")
        for key, spec in defined.items():
            if not spec.get("isOptional", True) and attrs.get(key) in (None, "", []) and key not in relations:
                found.append(f"{name}.{key}: mandatory attribute missing")
        for key, ref in relations.items():
            end = self.relationship_end(name, key)
            if end is None:
                found.append(f"{name}.{key}: no relationship of Atlas' model has this end")
                continue
            problem = self._value_problem(end, ref, type_of)
            if problem:
                found.append(f"{name}.{key}: {problem}")
        return found

    def _value_problem(self, type_name: str, value: Any, type_of: dict[str, str]) -> str | None:
        if type_name.startswith("array<"):
            if not isinstance(value, list):
                return f"expected a list ({type_name}), got {type(value).__name__}"
            return next((p for v in value if (p := self._value_problem(type_name[6:-1], v, type_of))), None)
        if type_name.startswith("map<"):
            return None if isinstance(value, dict) else f"expected a map ({type_name})"
        if type_name in _PRIMITIVES:
            ok = isinstance(value, _PRIMITIVES[type_name]) and not (type_name != "boolean" and isinstance(value, bool))
            return None if ok else f"expected {type_name}, got {value!r}"
        if type_name in self.enums:
            allowed = self.enums[type_name]
            return None if value in allowed else f"{value!r} is not one of {sorted(allowed)}"
        if type_name in self.entities:
            if not isinstance(value, dict) or "guid" not in value:
                return f"expected a reference to a {type_name}, got {value!r}"
            target = type_of.get(value["guid"], value.get("typeName", ""))
            return None if self.is_a(target, type_name) else f"references a {target}, which is not a {type_name}"
        return None  # a struct: not used by the lineage


def load_atlas_types(folder: Path = MODELS) -> AtlasTypes:
    """Atlas' types from its model files in ``folder``, patches applied (in file order, as Atlas does)."""
    types = AtlasTypes()
    files = sorted(folder.rglob("*.json"), key=lambda p: str(p.relative_to(folder)))
    models = [p for p in files if "patches" not in p.parts]
    patches = [p for p in files if "patches" in p.parts]
    relationship_defs = []
    for path in models:
        doc = json.loads(path.read_text())
        for e in doc.get("enumDefs", []):
            types.enums[e["name"]] = {v["value"] for v in e.get("elementDefs", [])}
        types.structs.update(s["name"] for s in doc.get("structDefs", []))
        for e in doc.get("entityDefs", []):
            types.entities[e["name"]] = EntityType(e["name"], list(e.get("superTypes", [])),
                                                   {a["name"]: a for a in e.get("attributeDefs", [])})
        relationship_defs += doc.get("relationshipDefs", [])
    relationships = {r["name"]: r for r in relationship_defs}
    for path in patches:
        for patch in json.loads(path.read_text()).get("patches", []):
            _apply(types, relationships, patch)
    for r in relationships.values():
        end1, end2 = r["endDef1"], r["endDef2"]
        types.relationship_ends[(end1["type"], end1["name"])] = end2["type"]
        types.relationship_ends[(end2["type"], end2["name"])] = end1["type"]
    return types


def _apply(types: AtlasTypes, relationships: dict[str, dict[str, Any]], patch: dict[str, Any]) -> None:
    action, name = patch["action"], patch["typeName"]
    entity = types.entities.get(name)
    if action in ("ADD_ATTRIBUTE", "UPDATE_ATTRIBUTE") and entity is not None:
        entity.attributes.update({a["name"]: a for a in patch["attributeDefs"]})
    elif action == "ADD_SUPER_TYPES" and entity is not None:
        entity.super_types += [s for s in patch["superTypes"] if s not in entity.super_types]
    elif action == "REMOVE_LEGACY_REF_ATTRIBUTES" and name in relationships:
        # The reference attribute is gone from the entity types; it lives on as a relationship attribute.
        for end in (relationships[name]["endDef1"], relationships[name]["endDef2"]):
            holder = types.entities.get(end["type"])
            if holder is not None:
                holder.attributes.pop(end["name"], None)
