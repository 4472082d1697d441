"""A small in-memory ORM with Odoo's calling conventions: typed fields, domains, x2many commands, required and
unknown-field checks, and one transaction per call (undone on error).
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable


class OdooException(Exception):
    """Raised by the double as real Odoo raises it: `name` is the Python path Odoo reports."""
    name = "odoo.exceptions.UserError"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UserError(OdooException):
    name = "odoo.exceptions.UserError"


class ValidationError(OdooException):
    name = "odoo.exceptions.ValidationError"


class AccessError(OdooException):
    name = "odoo.exceptions.AccessError"


class MissingError(OdooException):
    name = "odoo.exceptions.MissingError"


class InvalidValue(OdooException):
    name = "builtins.ValueError"


class NoMethod(OdooException):
    name = "builtins.AttributeError"


def now_text() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class Field:
    type: str = "char"  # char text html integer float boolean selection date datetime json many2one one2many many2many
    relation: str | None = None
    inverse: str | None = None  # one2many: the many2one on the other model
    required: bool = False
    default: Any = None  # a value, or callable(env, vals) -> value
    readonly: bool = False
    compute: Callable | None = None  # callable(env, record) -> value; never stored
    setter: Callable | None = None  # callable(env, record, value): the inverse of a writable computed field
    selection: tuple = ()
    string: str = ""


@dataclass
class Model:
    name: str
    fields: dict[str, Field]
    rec_name: str = "name"
    order: str = "id"
    records: dict[int, dict] = field(default_factory=dict)
    next_id: int = 1
    display: Callable | None = None  # callable(env, record) -> display name
    on_create: Callable | None = None  # callable(env, record, vals) after the record exists
    on_write: Callable | None = None  # callable(env, record, vals) after a write
    check: Callable | None = None  # callable(env, record) raising ValidationError

    def __post_init__(self):
        self.fields.setdefault("id", Field("integer", readonly=True))
        self.fields.setdefault("display_name", Field("char", readonly=True, compute=lambda env, rec: None))
        self.fields.setdefault("create_date", Field("datetime", readonly=True))
        self.fields.setdefault("write_date", Field("datetime", readonly=True))


class Registry:
    """The database: models, their records and the methods callable over RPC."""

    def __init__(self):
        self.models: dict[str, Model] = {}
        self.methods: dict[tuple[str, str], Callable] = {}
        self.undo: list[tuple] | None = None
        self.context: dict = {}
        self.uid = 2

    # Definition

    def define(self, model: Model) -> Model:
        self.models[model.name] = model
        return model

    def method(self, model: str, name: str):
        def register(fn):
            self.methods[(model, name)] = fn
            return fn
        return register

    def model(self, name: str) -> Model:
        if name not in self.models:
            raise InvalidValue(f"Model {name!r} does not exist")  # KeyError in Odoo
        return self.models[name]

    # Transactions: every RPC call is one; an error undoes everything the call changed.

    def transaction(self, fn: Callable, context: dict | None = None):
        self.undo = []
        self.context = dict(context or {})
        try:
            return fn()
        except Exception:
            for op, model_name, record_id, before in reversed(self.undo):
                model = self.models[model_name]
                if op == "create":
                    model.records.pop(record_id, None)
                else:
                    model.records[record_id] = before
            raise
        finally:
            self.undo = None
            self.context = {}

    def _remember(self, op: str, model: Model, record_id: int) -> None:
        if self.undo is not None:
            before = copy.deepcopy(model.records.get(record_id)) if op != "create" else None
            self.undo.append((op, model.name, record_id, before))

    # Records

    def get(self, model_name: str, record_id: int | None) -> dict | None:
        if not record_id:
            return None
        return self.model(model_name).records.get(int(record_id))

    def browse(self, model_name: str, ids) -> list[dict]:
        model = self.model(model_name)
        missing = [i for i in ids if i not in model.records]
        if missing:
            raise MissingError(f"Record does not exist or has been deleted.\n(Record: {model_name}({missing[0]},), "
                               f"User: {self.uid})")
        return [model.records[i] for i in ids]

    def value(self, model_name: str, record: dict, name: str) -> Any:
        model = self.model(model_name)
        spec = model.fields.get(name)
        if spec is None:
            raise InvalidValue(f"Invalid field {name!r} on model {model_name!r}")
        if name == "display_name":
            if model.display:
                return model.display(self, record)
            return record.get(model.rec_name) or f"{model_name},{record['id']}"
        if spec.compute:
            return spec.compute(self, record)
        if spec.type == "one2many":
            child = self.model(spec.relation)
            return sorted(rid for rid, rec in child.records.items() if rec.get(spec.inverse) == record["id"])
        return record.get(name)

    def create(self, model_name: str, vals: dict) -> dict:
        model = self.model(model_name)
        vals = dict(vals)
        self._check_names(model, vals)
        record: dict = {"id": model.next_id}
        model.next_id += 1
        for name, spec in model.fields.items():
            if spec.compute or spec.type == "one2many" or name in ("id", "display_name"):
                continue
            if name in vals:
                continue
            default = spec.default(self, vals) if callable(spec.default) else copy.deepcopy(spec.default)
            if default is None and spec.type in ("many2many",):
                default = []
            if default is None and spec.type == "boolean":
                default = False
            record[name] = default
        model.records[record["id"]] = record
        self._remember("create", model, record["id"])
        record["create_date"] = record["write_date"] = now_text()
        later = self._assign(model, record, vals)
        for name, spec in model.fields.items():
            value = record.get(name)
            missing = value is None if spec.type in ("float", "integer", "boolean") else value in (None, False, "")
            if spec.required and missing:
                label = spec.string or name
                raise ValidationError(
                    "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n"
                    "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
                    f"Model: {model_name} ({model_name})\nField: {label} ({name})")
        for fn in later:
            fn()
        if model.check:
            model.check(self, record)
        if model.on_create:
            model.on_create(self, record, vals)
        return record

    def write(self, model_name: str, records: list[dict], vals: dict) -> None:
        model = self.model(model_name)
        self._check_names(model, vals)
        for record in records:
            self._remember("write", model, record["id"])
            later = self._assign(model, record, dict(vals))
            for fn in later:
                fn()
            record["write_date"] = now_text()
            if model.check:
                model.check(self, record)
            if model.on_write:
                model.on_write(self, record, vals)

    def unlink(self, model_name: str, records: list[dict]) -> None:
        model = self.model(model_name)
        for record in records:
            self._remember("unlink", model, record["id"])
            model.records.pop(record["id"], None)

    def _check_names(self, model: Model, vals: dict) -> None:
        for name in vals:
            spec = model.fields.get(name)
            if spec is None:
                raise InvalidValue(f"Invalid field {name!r} on model {model.name!r}")

    def _assign(self, model: Model, record: dict, vals: dict) -> list[Callable]:
        """Stores plain values now; returns x2many commands to run once the record exists."""
        later: list[Callable] = []
        for name, value in vals.items():
            spec = model.fields[name]
            if spec.type == "one2many":
                later.append(lambda spec=spec, value=value: self._one2many(spec, record, value))
            elif spec.type == "many2many":
                record[name] = self._many2many(spec, record.get(name) or [], value)
            elif spec.setter:
                later.append(lambda spec=spec, value=value: spec.setter(self, record, value))
            elif spec.compute:
                continue  # a computed field without an inverse: Odoo ignores the value too
            else:
                record[name] = self._convert(model, name, spec, value)
        return later

    def _convert(self, model: Model, name: str, spec: Field, value: Any) -> Any:
        if value is False and spec.type != "boolean":
            return None
        if spec.type == "many2one":
            if isinstance(value, (list, tuple)):
                value = value[0]
            if value is None:
                return None
            if not isinstance(value, int) or self.get(spec.relation, value) is None:
                raise MissingError(f"Record does not exist or has been deleted.\n(Record: {spec.relation}({value},))")
            return value
        if spec.type == "selection" and value is not None and spec.selection and value not in spec.selection:
            raise InvalidValue(f"Wrong value for {model.name}.{name}: {value!r}")
        if spec.type == "float" and value is not None:
            return float(value)
        if spec.type == "integer" and value is not None:
            return int(value)
        if spec.type == "boolean":
            return bool(value)
        return value

    def _one2many(self, spec: Field, record: dict, commands: list) -> None:
        for command in commands or []:
            code = command[0]
            if code == 0:
                self.create(spec.relation, {**command[2], spec.inverse: record["id"]})
            elif code == 1:
                self.write(spec.relation, self.browse(spec.relation, [command[1]]), command[2])
            elif code == 2:
                self.unlink(spec.relation, self.browse(spec.relation, [command[1]]))
            elif code == 4:
                self.write(spec.relation, self.browse(spec.relation, [command[1]]), {spec.inverse: record["id"]})
            elif code == 6:
                keep = set(command[2])
                child = self.model(spec.relation)
                for rid, rec in list(child.records.items()):
                    if rec.get(spec.inverse) == record["id"] and rid not in keep:
                        self.unlink(spec.relation, [rec])
                for rid in keep:
                    self.write(spec.relation, self.browse(spec.relation, [rid]), {spec.inverse: record["id"]})
            else:
                raise InvalidValue(f"Unsupported x2many command {command!r}")

    def _many2many(self, spec: Field, current: list[int], commands) -> list[int]:
        ids = list(current)
        for command in commands or []:
            if isinstance(command, int):
                ids.append(command)
                continue
            code = command[0]
            if code == 6:
                ids = list(command[2])
            elif code == 4:
                ids.append(command[1])
            elif code in (3, 2):
                ids = [i for i in ids if i != command[1]]
            elif code == 5:
                ids = []
            elif code == 0:
                ids.append(self.create(spec.relation, command[2])["id"])
            else:
                raise InvalidValue(f"Unsupported x2many command {command!r}")
        self.browse(spec.relation, ids)
        return sorted(set(ids))

    # Reading

    def read_record(self, model_name: str, record: dict, names: list[str] | None) -> dict:
        model = self.model(model_name)
        names = names or list(model.fields)
        out = {"id": record["id"]}
        for name in names:
            if name == "id":
                continue
            spec = model.fields.get(name)
            if spec is None:
                raise InvalidValue(f"Invalid field {name!r} on model {model_name!r}")
            value = self.value(model_name, record, name)
            if spec.type == "many2one":
                target = self.get(spec.relation, value)
                out[name] = [value, self.value(spec.relation, target, "display_name")] if target else False
            elif spec.type in ("one2many", "many2many"):
                out[name] = list(value or [])
            elif spec.type == "float":
                out[name] = float(value or 0.0)
            elif spec.type == "integer":
                out[name] = int(value or 0)
            elif spec.type == "boolean":
                out[name] = bool(value)
            else:
                out[name] = value if value not in (None, "") else False
        return out

    def search(self, model_name: str, domain: list, order: str | None = None, limit: int | None = None,
               offset: int = 0) -> list[dict]:
        model = self.model(model_name)
        domain = list(domain or [])
        if "active" in model.fields and self.context.get("active_test", True) and \
                not any(isinstance(leaf, (list, tuple)) and leaf[0] == "active" for leaf in domain):
            domain = ["&", ("active", "=", True)] + (domain if domain else [("id", "!=", 0)])
        matches = [rec for rec in model.records.values() if self.matches(model_name, rec, domain)]
        matches = self._sorted(model, matches, order or model.order)
        matches = matches[offset:]
        return matches[:limit] if limit else matches

    def _sorted(self, model: Model, records: list[dict], order: str) -> list[dict]:
        for part in reversed([p.strip() for p in order.split(",") if p.strip()]):
            name, _, direction = part.partition(" ")
            if name not in model.fields:
                raise InvalidValue(f"Invalid field {name!r} on model {model.name!r}")

            def key(rec, name=name):
                value = self.value(model.name, rec, name)
                return (value is None or value is False, value if value not in (None, False) else 0)
            records = sorted(records, key=key, reverse=direction.strip().lower() == "desc")
        return records

    def matches(self, model_name: str, record: dict, domain: list) -> bool:
        """Odoo's prefix domains: `&`, `|`, `!` before their operands, an implicit AND between the rest."""
        position, result = 0, True
        while position < len(domain):
            matched, position = self._evaluate(model_name, record, domain, position)
            result = result and matched
        return result

    def _evaluate(self, model_name: str, record: dict, domain: list, position: int) -> tuple[bool, int]:
        token = domain[position]
        if token == "!":
            matched, position = self._evaluate(model_name, record, domain, position + 1)
            return not matched, position
        if token in ("&", "|"):
            left, position = self._evaluate(model_name, record, domain, position + 1)
            right, position = self._evaluate(model_name, record, domain, position)
            return (left and right, position) if token == "&" else (left or right, position)
        return self._leaf(model_name, record, token), position + 1

    def _leaf(self, model_name: str, record: dict, leaf) -> bool:
        if not isinstance(leaf, (list, tuple)) or len(leaf) != 3:
            raise InvalidValue(f"Invalid leaf {leaf!r}")
        path, operator, target = leaf
        model = self.model(model_name)
        name, _, rest = path.partition(".")
        spec = model.fields.get(name)
        if spec is None:
            raise InvalidValue(f"Invalid field {model_name}.{name} in leaf {tuple(leaf)!r}")
        value = self.value(model_name, record, name)
        if rest:
            if spec.type == "many2one":
                related = self.get(spec.relation, value)
                return related is not None and self._leaf(spec.relation, related, (rest, operator, target))
            ids = value or []
            return any(self._leaf(spec.relation, self.get(spec.relation, i), (rest, operator, target)) for i in ids)
        return compare(value, operator, target, spec)


def _like(value: str, pattern: str, case: bool, anchored: bool) -> bool:
    if not anchored:
        pattern = f"%{pattern}%"
    regex = "^" + "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern) + "$"
    return re.match(regex, value, 0 if case else re.IGNORECASE | re.DOTALL) is not None


def compare(value, operator: str, target, spec: Field) -> bool:
    if spec.type in ("one2many", "many2many"):
        values = value or []
        if operator in ("=", "in") and target is False:
            return not values
        if operator in ("!=",) and target is False:
            return bool(values)
        targets = target if isinstance(target, (list, tuple)) else [target]
        if operator in ("=", "in"):
            return any(v in targets for v in values)
        if operator in ("!=", "not in"):
            return not any(v in targets for v in values)
        raise InvalidValue(f"Unsupported operator {operator} on x2many")
    empty = value is None or value is False or value == ""
    if operator == "=":
        if target is False or target is None:
            return empty
        return value == target
    if operator == "!=":
        if target is False or target is None:
            return not empty
        return value != target
    if operator in ("in", "not in"):
        targets = list(target)
        inside = value in targets or (empty and False in targets)
        return inside if operator == "in" else not inside
    if operator in ("<", ">", "<=", ">="):
        if empty:
            return False
        return {"<": value < target, ">": value > target, "<=": value <= target, ">=": value >= target}[operator]
    if operator in ("ilike", "like", "not ilike", "=like", "=ilike"):
        text = "" if empty else str(value)
        if operator == "not ilike":
            return not _like(text, str(target), False, False)
        return _like(text, str(target), operator in ("like", "=like"), operator.startswith("="))
    if operator == "child_of":
        return value == target or value in (target if isinstance(target, list) else [target])
    raise InvalidValue(f"Unsupported operator {operator!r}")
