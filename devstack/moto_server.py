"""moto in server mode for the local stack, with speed-ups of moto's own hot spots and fault windows
(``devstack.aws_faults``: an operation refused for a few seconds, as in an outage).

Measured under callback load (py-spy, 2 cores), moto spent its time on:
- ``list_of_moto_modules()``: a directory listing and an ``isdir`` per module on *every request*, to map
  the request to a backend. The list never changes while the server runs: we compute it once.
- SQS ``Queue.attributes``: recomputed in full (including the approximate message counts, each a pass over
  every message with datetime conversions) for every message considered by ReceiveMessage (the retention
  check) and for every SendMessage (the content-based de-dup flag). With thousands of messages in flight
  that is quadratic. The counts are now computed only when one of them is read (GetQueueAttributes), and
  memoised for 100 ms per queue (SQS's counts are approximate and eventually consistent on AWS as well);
  the memo is dropped whenever the queue's attributes are set.
- SQS ``DeleteMessage``: two passes over the queue per receipt handle; now an index (see below).
- werkzeug's per-request access log line.
- DynamoDB's TransactWriteItems, which deep-copies the whole table once per item it writes, to roll back
  on failure: a 100-item transaction on a table of 100,000 items copied the table 100 times. We keep a
  copy of the touched items only, and restore those on failure.
- DynamoDB's Query, which lists and sorts every item of the table (``all_items``) for every query, even on
  the table's own key: a query of one partition of a 100,000-item table took 0.2 s. A base-table query now
  looks at its partition only, and an index query at the items with its hash key, unsorted (moto sorts
  the matches itself).
- moto's generic response serializer, which walks botocore's output shape for every attribute of every
  item (80 % of a 330-item Query's time). DynamoDB's data-plane answers are already JSON-ready
  dictionaries; they are written with json.dumps, with the headers and body the serializer would give.
- DynamoDB's projections (``ProjectionExpression``): a Query deep-copied every whole item it matched and
  then projected it, converting the whole item to plain JSON once per name asked for (a month of 500
  members' running sums, 188 numbers an item, 12 asked for: 30 s). A projection of top-level names now
  picks those attributes (a Query's matches keep the keys for its LastEvaluatedKey and the whole item's
  size for the 1 MB page, as DynamoDB counts it); filters and nested paths take moto's own path.
- DynamoDB's writes are not isolated from each other in moto's threaded server: a conditional write or a
  TransactWriteItems checks its conditions, then writes, and another request thread can write between the
  two (two transactions on one item both passed their checks; a counter moved in both lost one). On AWS
  each item write is atomic and transactions are serializable, so writes here take one lock: tests of exact
  counters under concurrency (tests/integration/test_stages.py) then mean something. Item reads (GetItem,
  BatchGetItem) take it too: moto creates an item an UpdateItem makes with its keys alone and then sets its
  attributes in place, so a GetItem in between saw a group with no name (a fresh-clone run, 2026-12-05); on
  AWS an item is read whole. Queries do not (they are long, and read items other writes already finished).
- werkzeug's development server (moto's ``run_simple``) closes every connection (``Connection: close``):
  each call of the app opened a TCP connection and moto started a thread for it. The DynamoDB process
  serves moto's app on an HTTP/1.1 server that keeps connections open (``--keep-alive``,
  ``serve_keep_alive``), as DynamoDB's endpoint does for botocore on AWS.
- DynamoDB's UpdateItem (and a transaction's Update): the expression parsed twice, ten validators each walking
  its tree with ABC ``isinstance`` at every node (two of them at every nested node, quadratic in the actions),
  and the item deep-copied for a stream the table does not have: 7.5 ms of CPU for a 13-action SET, 60 % of
  the process under the fission events (issue 21). Parses are kept per string, the two validators judge an
  expression (and names) once, type checks are memoised, the stream copy is skipped: 1.4 ms.
Nothing here changes what moto answers, except that approximate counts may be up to 100 ms old.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import json
import logging
import operator
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

MEMO_S = 0.1


def _patch_transactions() -> None:
    import copy as _copy

    from moto.dynamodb import models as ddb
    from moto.dynamodb.models.dynamo_type import DynamoType, Item
    from moto.dynamodb.models.table import Table

    no_stream = threading.local()

    class _NoTableCopy:
        """``copy`` for moto's dynamodb models module: a Table "copy" is the table itself (the patched
        transact_write_items restores the touched items instead); an UpdateItem's copy of the item it
        changes (kept for the table's stream only: a deep copy of the whole item per update, the larger the
        item the dearer) is skipped on a table without a stream; everything else is copied as before."""

        @staticmethod
        def deepcopy(obj: Any, memo: Any = None) -> Any:
            if isinstance(obj, Table) or (getattr(no_stream, "on", False) and isinstance(obj, Item)):
                return obj
            return _copy.deepcopy(obj, memo)

        copy = staticmethod(_copy.copy)

    ddb.copy = _NoTableCopy  # type: ignore[attr-defined,assignment]
    update = ddb.DynamoDBBackend.update_item

    def update_item(self: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
        before = getattr(no_stream, "on", False)
        no_stream.on = self.get_table(table_name).stream_shard is None
        try:
            return update(self, table_name, *args, **kwargs)
        finally:
            no_stream.on = before

    ddb.DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]
    original = ddb.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        touched = []
        for entry in transact_items:
            try:
                _, op = next(iter(entry.items()))
                table = self.get_table(op["TableName"])
                if "Item" in op:
                    attrs = op["Item"]
                    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = attrs[table.range_key_attr]
                else:
                    key = op["Key"]
                current = self.get_item(op["TableName"], key)
                touched.append((op["TableName"], key, _copy.deepcopy(current.to_json()["Attributes"]) if current else None))
            except Exception:  # noqa: S112 - a malformed entry: the original call reports it
                continue
        try:
            return original(self, transact_items)
        except Exception:
            for table_name, key, before in reversed(touched):
                table = self.get_table(table_name)
                if before is None:
                    if self.get_item(table_name, key) is not None:
                        rng = key.get(table.range_key_attr) if table.range_key_attr else None
                        table.delete_item(DynamoType(key[table.hash_key_attr]), DynamoType(rng) if rng else None)
                else:
                    table.put_item(before)
            raise

    ddb.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def _patch_write_isolation() -> None:
    """One lock around every DynamoDB write of the backend and its item reads (the module's docstring)."""
    import functools
    import threading

    from moto.dynamodb import models as ddb

    lock = threading.RLock()
    # (BatchGetItem and BatchWriteItem are moto's responses calling get_item / put_item per key.)
    for name in ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item", "get_item"):
        original = getattr(ddb.DynamoDBBackend, name)

        def locked(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(*args, **kwargs)

        setattr(ddb.DynamoDBBackend, name, functools.wraps(original)(locked))


def _patch_update_expressions() -> None:
    """moto's UpdateExpression machinery (UpdateItem and a transaction's Update entries): ten validators each
    walk the expression's tree, and at every node ask ``isinstance`` of moto's ABCMeta node classes (a
    Python-level ``__instancecheck__`` each) and rebuild the validator's ``_processing_map`` dict; a 13-action
    SET took 7.5 ms of CPU, the fission events' path makes four such writes an event and this was 60 % of the
    DynamoDB process's time (py-spy --gil, issue 21). The same walks, with each (node type, class) answer
    computed once and each validator's node types read once: same nodes visited, same order, same result."""
    from moto.dynamodb.parsing import ast_nodes as ast
    from moto.dynamodb.parsing import expressions

    answers: dict[tuple[type, Any], bool] = {}

    def isa(kind: type, classes: Any) -> bool:
        try:
            return answers[(kind, classes)]
        except KeyError:
            answers[(kind, classes)] = found = issubclass(kind, classes)
            return found

    recurse_into = (ast.Expression, ast.UpdateExpressionFunction)

    def find_clauses(self: Any, clause_types: Any) -> list[Any]:
        clauses: list[Any] = []
        for child in self.children or []:
            kind = type(child)
            if kind in clause_types:
                clauses.append(child)
            elif isa(kind, recurse_into):
                clauses.extend(child.find_clauses(clause_types))
        return clauses

    def nodes_to_be_processed(self: Any) -> tuple[type, ...]:
        kinds = self.__dict__.get("_devstack_kinds")
        if kinds is None:
            kinds = self.__dict__["_devstack_kinds"] = tuple(self._processing_map().keys())
        return kinds  # type: ignore[no-any-return]

    def process(self: Any, node: Any) -> Any:
        kind = type(node)
        for class_key, processor in self._processing_map().items():
            if isa(kind, class_key):
                return processor(node)
        return None

    def traverse_node_recursively(self: Any, node: Any, child_id: int = -1) -> Any:
        if isa(type(node), ast.Node):
            parent_node = node.parent
            if node.children is not None:
                for i, child_node in enumerate(node.children):
                    self.pre_processing_of_child(node, i)
                    self.traverse_node_recursively(child_node, i)
            if isa(type(node), self.nodes_to_be_processed()):
                node = self.process(node)
                node.parent = parent_node
                if parent_node:
                    parent_node.children[child_id] = node
        return node

    # Each UpdateItem parsed its expression twice (the request's check of the names and values it uses, then
    # the backend), and pynamodb's expressions are the same strings call after call (``SET #0 = :0, ...``).
    # The parsed tree is only read: the check looks for clauses, and the validators work on their own
    # copy (``Validator.__init__``, node by node: below). So one parse per distinct string; a parse error still
    # raises each time.
    parser = expressions.UpdateExpressionParser
    make = parser.make.__func__  # type: ignore[attr-defined]
    parsed: dict[str, Any] = {}

    def cached_make(cls: Any, expression_str: str) -> Any:
        tree = parsed.get(expression_str)
        if tree is None:
            tree = make(cls, expression_str)
            tree.__dict__["_devstack_expression"] = expression_str  # kept by the validators' copy
            if len(parsed) >= 4096:
                parsed.clear()
            parsed[expression_str] = tree
        return tree

    parser.make = classmethod(cached_make)  # type: ignore[method-assign,assignment]

    # Two of the validators judge the expression alone (at most one clause of each kind; no path updated
    # twice, which also reads the names' mapping), and they did so at every nested UpdateExpression node of
    # the tree, each time collecting the clauses below it: quadratic in the actions, a third of an
    # UpdateItem's time. An expression (and mapping) that passed once passes again: it is not judged twice.
    from moto.dynamodb.parsing import validators

    def judged_once(cls: Any, key_of: Callable[[Any, str], Any]) -> None:
        original = cls.traverse
        passed: set[Any] = set()

        def traverse(self: Any, node: Any) -> Any:
            expression = node.__dict__.get("_devstack_expression")
            key = key_of(self, expression) if expression is not None else None
            if key is not None and key in passed:
                return node
            result = original(self, node)  # raises for a bad expression: nothing remembered
            if key is not None:
                if len(passed) >= 4096:
                    passed.clear()
                passed.add(key)
            return result

        cls.traverse = traverse

    # Each validation starts from a ``copy.deepcopy`` of the (cached) parsed tree: a quarter, later a third,
    # of the DynamoDB process at the fission bench's full scale (py-spy, issue 21). The tree holds only nodes,
    # their children (nodes, str, int, None), their type's name and parent: copied node by node, the parents
    # pointing into the copy, as deepcopy's memo made them. Anything else still goes to deepcopy.
    def structural(node: Any, parent: Any = None) -> Any:
        twin = object.__new__(type(node))
        fields = dict(node.__dict__)
        fields["parent"] = parent
        children = fields.get("children")
        if isinstance(children, list):
            fields["children"] = [
                structural(c, twin) if isinstance(c, ast.Node) else c if c is None or type(c) in (str, int) else copy.deepcopy(c)
                for c in children
            ]
        elif children is not None:
            fields["children"] = copy.deepcopy(children)
        twin.__dict__.update(fields)
        return twin

    def tree_copy(value: Any) -> Any:
        if isinstance(value, ast.Node) and value.parent is None:
            return structural(value)
        return copy.deepcopy(value)

    validators.deepcopy = tree_copy  # the module's own name: the validators' two copies
    judged_once(validators.ActionCountValidator, lambda self, expression: expression)
    judged_once(validators.OverlappingPathsValidator,
                lambda self, expression: (expression, tuple(sorted((self.expression_attribute_names or {}).items()))))
    ast.Node.find_clauses = find_clauses  # type: ignore[method-assign]
    ast.DepthFirstTraverser.nodes_to_be_processed = nodes_to_be_processed  # type: ignore[method-assign]
    ast.DepthFirstTraverser.process = process  # type: ignore[method-assign]
    ast.DepthFirstTraverser.traverse_node_recursively = traverse_node_recursively  # type: ignore[method-assign]


def _patch_queries() -> None:
    import threading

    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import Table

    global _Projected
    _Projected = _projected_class()
    local = threading.local()
    all_items = Table.all_items
    query = Table.query

    def items_for_query(self: Any) -> Any:
        override = getattr(local, "items", None)
        if override is not None and override[0] is self:
            return override[1]
        return all_items(self)

    def partition_query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        def arg(name: str, position: int) -> Any:
            """moto's Table.query argument, by keyword or by position after the hash key."""
            return kwargs[name] if name in kwargs else (args[position] if len(args) > position else None)

        index_name = arg("index_name", 6)
        projection = arg("projection_expressions", 5)
        filtered = arg("filter_expression", 8)
        plain = not index_name and _no_filter(filtered) and not _filter_kwargs(kwargs)
        def every() -> list[Any]:
            """Every item of the table. Snapshots (list() of a dict runs under the GIL): other request threads
            insert items meanwhile. A function, only for the Queries that need it: as a generator expression
            its outer list() ran on every Query (90,000 partitions of the follows table listed for a Query of
            one partition: a third of moto's CPU under the sidebar's load)."""
            return [i for part in list(self.items.values()) for i in (list(part.values()) if self.range_key_attr else [part])]

        if index_name and hash_key is not None:
            index = next((i for i in self.all_indexes() if i.name == index_name), None)
            hash_attr = next((k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"), None) if index else None
            # The items with the index's hash key, from a map kept until the table's next write (the whole
            # table was walked on every index Query: 40,000 group members for each by_member lookup).
            want = (hash_key.type, hash_key.value)
            items = every() if hash_attr is None else list(_index_map(self, hash_attr).get(want, ()))
        elif index_name or hash_key is None:
            items = every()
        elif self.range_key_attr:
            items = list(self.items[hash_key].values()) if hash_key in self.items else []
            comparison, bounds = arg("range_comparison", 0), arg("range_objs", 1)
            if comparison and not _filter_kwargs(kwargs):
                # Only the items the key condition keeps: moto sorts the whole partition, then compares and
                # sizes item after item to the Limit (the fission minute job's ``sk <= now``, Limit 100, over a
                # 75,000-item due partition with none due took over 5 s; DynamoDB reads at most the 100).
                items = [i for i in items if i.range_key is not None and i.range_key.compare(comparison, bounds)]
        else:
            items = [self.items[hash_key]] if hash_key in self.items else []
        names = _top_level(projection) if plain else None
        if names is not None:  # with the keys: the page's LastEvaluatedKey is read from its last item
            keys = [k for k in (self.hash_key_attr, self.range_key_attr) if k and k not in names]
            items = [_Projected(i, [*names, *keys]) for i in items]
        local.items = (self, items)
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            local.items = None

    Table.all_items = items_for_query  # type: ignore[method-assign]
    Table.query = partition_query  # type: ignore[method-assign]
    _count_writes()
    project = Item.project

    def project_top_level(self: Any, projection_expressions: list[list[str]]) -> Any:
        names = _top_level(projection_expressions)
        if names is None:
            return project(self, projection_expressions)
        # inside a Query (this thread's partition_query) the items are its deep copies already
        return _picked(self, [n for n in names if n in self.attrs], copy=getattr(local, "items", None) is None)

    Item.project = project_top_level  # type: ignore[method-assign]


_writes_lock = threading.Lock()


def _written(table: Any) -> None:
    with _writes_lock:
        table.__dict__["_devstack_writes"] = table.__dict__.get("_devstack_writes", 0) + 1


def _count_writes() -> None:
    """Every write to a table (put, delete, update in place; transactions and batches go through these)
    counts on the table, after it is done: an index map built before it is not used again."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    put, delete, update = Table.put_item, Table.delete_item, DynamoDBBackend.update_item

    def put_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return put(self, *args, **kwargs)
        finally:
            _written(self)

    def delete_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return delete(self, *args, **kwargs)
        finally:
            _written(self)

    def update_item(self: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return update(self, table_name, *args, **kwargs)
        finally:
            with contextlib.suppress(Exception):
                _written(self.get_table(table_name))

    Table.put_item = put_item  # type: ignore[method-assign]
    Table.delete_item = delete_item  # type: ignore[method-assign]
    DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]


def _index_map(table: Any, attr: str) -> dict[tuple[str, Any], list[Any]]:
    """The table's items by their value of ``attr`` (an index's hash key), rebuilt after any write. The
    version is read before the walk: a write during it makes the map stale at once."""
    with _writes_lock:
        version = table.__dict__.get("_devstack_writes", 0)
    maps = table.__dict__.setdefault("_devstack_index_maps", {})
    held = maps.get(attr)
    if held is not None and held[0] == version:
        return held[1]  # type: ignore[no-any-return]
    found: dict[tuple[str, Any], list[Any]] = {}
    for part in list(table.items.values()):
        for item in list(part.values()) if table.range_key_attr else [part]:
            a = item.attrs.get(attr)
            if a is not None:
                found.setdefault((a.type, a.value), []).append(item)
    maps[attr] = (version, found)
    return found


_FILTER_ARGS = ("consistent_read", "filter_expression", "hash_key_conditions", "range_key_conditions", "index_name",
                "projection_expressions")


def _filter_kwargs(kwargs: dict[str, Any]) -> bool:
    """Whether a Query names a legacy filter (QueryFilter: moto's ``**filter_kwargs``)."""
    return any(k not in _FILTER_ARGS for k in kwargs)


def _no_filter(op: Any) -> bool:
    """Whether a Query's filter expression is the one moto makes of none (a filter reads unprojected names)."""
    from moto.dynamodb.comparisons import OpDefault

    return op is None or type(op) is OpDefault


def _top_level(projection: list[list[str]] | None) -> list[str] | None:
    """The names of a projection of top-level attributes only (``a, b``), else None (nested paths, lists)."""
    if not projection or any(len(p) != 1 or "[" in p[0] for p in projection):
        return None
    return [p[0] for p in projection]


def _picked(item: Any, names: list[str], copy: bool = False, into: Any = None) -> Any:
    """An Item of some of ``item``'s attributes, copied or shared (moto's own ``project`` converts the whole
    item to plain JSON once per name asked for, and its constructor re-sizes the item at every attribute)."""
    import copy as _copy

    from moto.dynamodb.models.dynamo_type import Item, LimitedSizeDict

    out = Item.__new__(Item) if into is None else into
    out.hash_key, out.range_key = item.hash_key, item.range_key
    out.attrs = LimitedSizeDict.__new__(LimitedSizeDict)
    dict.update(out.attrs, {n: _copy.deepcopy(item.attrs[n]) if copy else item.attrs[n] for n in names})
    return out


def _size(item: Any) -> int:
    """moto's ``Item.size()`` (the bytes DynamoDB counts for its 1 MB pages: names and values, UTF-8), for an
    item of strings and numbers in two joins instead of a call per attribute; others as moto computes it."""
    values = item.attrs.values()
    if not set(map(_TYPE, values)) <= {"S", "N"}:
        return int(item.size())
    return len("".join(item.attrs).encode()) + len("".join(map(_VALUE, values)).encode())


_TYPE, _VALUE = operator.attrgetter("type"), operator.attrgetter("value")
_Projected: Any = None  # the class, made once moto is imported (_patch_queries)


def _projected_class() -> Any:
    from moto.dynamodb.models.dynamo_type import Item

    class Projected(Item):  # type: ignore[misc]
        """A stored item as a Query with a projection of top-level names sees it: those attributes (shared, the
        query copies its results) and the whole item's size, which DynamoDB's 1 MB page counts. moto's Query
        otherwise deep-copies every whole item before projecting: its cost followed the numbers stored, not
        the numbers asked for."""

        __module__ = "moto.dynamodb.projected"  # moto's model registry files a model under its module's service

        def __init__(self, item: Any, names: list[str]) -> None:
            _picked(item, [n for n in names if n in item.attrs], into=self)  # the Query copies its results
            self._full = _size(item)

        def size(self) -> int:
            full = getattr(self, "_full", None)  # a deep copy has none: it is then the projection's own
            return super().size() if full is None else full

    return Projected


FAST_OPERATIONS = frozenset({
    "GetItem", "Query", "Scan", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
    "TransactWriteItems", "TransactGetItems",
})  # fmt: skip


def _binary(value: Any) -> str:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    raise TypeError(type(value).__name__)


def _patch_serializer() -> None:
    import json

    from moto.dynamodb.responses import DynamoResult

    execute = DynamoResult.execute_result

    def execute_result(self: Any, context: Any) -> Any:
        result = self.result
        if context.operation_model.name not in FAST_OPERATIONS or not isinstance(result, dict):
            return execute(self, context)
        try:
            body = json.dumps({k: v for k, v in result.items() if v is not None}, separators=(",", ":"),
                              default=_binary)
        except TypeError:
            return execute(self, context)
        return 200, {"Content-Type": "application/x-amz-json-1.0", "x-amzn-requestid": uuid.uuid4().hex}, body

    DynamoResult.execute_result = execute_result  # type: ignore[method-assign]


APPROXIMATE = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed", "ApproximateNumberOfMessagesNotVisible")


class LazyCounts(dict):  # type: ignore[type-arg]
    """A queue's attributes whose approximate counts are filled in on first read of any of them, or of the
    whole mapping (GetQueueAttributes All, the response serializer)."""

    def __init__(self, static: dict[str, Any], counts: Any) -> None:
        super().__init__(static)
        self._counts = counts

    def _fill(self) -> None:
        if self._counts is not None:
            counts, self._counts = self._counts, None
            super().update(counts())

    def __getitem__(self, key: Any) -> Any:
        if key in APPROXIMATE:
            self._fill()
        return super().__getitem__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        if key in APPROXIMATE:
            self._fill()
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in APPROXIMATE or super().__contains__(key)

    def __iter__(self) -> Any:
        self._fill()
        return super().__iter__()

    def __len__(self) -> int:
        self._fill()
        return super().__len__()

    def keys(self) -> Any:
        self._fill()
        return super().keys()

    def items(self) -> Any:
        self._fill()
        return super().items()

    def values(self) -> Any:
        self._fill()
        return super().values()


def _patch_name_lookups() -> None:
    """Two pure functions moto calls on every request, memoised: the camelCase → snake_case conversion (a
    regex; the SQS attributes alone called it 14 times per SendMessage) and the list of a response class's
    methods (``inspect.getmembers`` per request, to find the action's handler)."""
    from moto.core import responses, utils

    names: dict[str, str] = {}
    convert = utils.camelcase_to_underscores

    def camelcase_to_underscores(argument: str) -> str:
        found = names.get(argument)
        if found is None:
            found = names[argument] = convert(argument)
        return found

    methods: dict[Any, list[str]] = {}
    list_methods = utils.method_names_from_class

    def method_names_from_class(clazz: Any) -> list[str]:
        found = methods.get(clazz)
        if found is None:
            found = methods[clazz] = list_methods(clazz)
        return found

    utils.camelcase_to_underscores = camelcase_to_underscores
    responses.camelcase_to_underscores = camelcase_to_underscores
    responses.method_names_from_class = method_names_from_class
    from moto.sqs import models as sqs_models

    sqs_models.camelcase_to_underscores = camelcase_to_underscores


def _patch_sqs_deletes() -> None:
    """moto's DeleteMessage scans every message of the queue twice per receipt handle and rebuilds the
    list: with a backlog of thousands (the event consumers behind a burst), each batch of 10 deletes walks
    the queue 20 times, all in the one interpreter that also takes the callback route's SendMessage calls.
    Here: a receipt-handle index rebuilt only when a handle is not in it (once per received batch), and
    one removal. Same answers (ReceiptHandleIsInvalid for unknown handles; repeated deletes are ignored)."""
    from moto.sqs import models as sqs
    from moto.sqs.exceptions import ReceiptHandleIsInvalid

    def delete_message(self: Any, receipt_handle: str) -> None:
        if receipt_handle in self.deleted_messages:
            return
        index = self.__dict__.setdefault("_devstack_receipts", {})
        message = index.get(receipt_handle)
        if message is None:
            index.clear()
            for m in self._messages:
                for handle in m.all_receipt_handles or ():
                    index[handle] = m
            message = index.get(receipt_handle)
            if message is None:
                raise ReceiptHandleIsInvalid()
        self.pending_messages.discard(message)
        self.deleted_messages.update(message.all_receipt_handles)
        for handle in message.all_receipt_handles or ():
            index.pop(handle, None)
        with contextlib.suppress(ValueError):  # already gone: nothing to do
            self._messages.remove(message)  # Message has no __eq__: an identity scan in C

    sqs.Queue.delete_message = delete_message  # type: ignore[method-assign]


def _patch_sqs_visibility() -> None:
    """``Queue.messages`` (every ReceiveMessage's candidates) asked each message of the queue whether it is
    visible and not delayed, each answer a fresh UTC datetime → epoch conversion: with a backlog of 1,500
    messages in flight, ~3,000 conversions per receive, most of the SQS process's CPU under callback load
    (py-spy). One clock reading per call gives the same list."""
    from moto.core.utils import unix_time_millis
    from moto.sqs import models as sqs

    def messages(self: Any) -> list[Any]:
        now = unix_time_millis()
        return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]

    sqs.Queue.messages = property(messages)  # type: ignore[assignment]


_dynamodb_patched = threading.Lock()
_dynamodb_done: list[bool] = []


def patch_dynamodb_models() -> None:
    """The DynamoDB model changes alone (transactions, write isolation, queries, update expressions), once
    per process: the server applies them, and so do the tests that run moto in their own process
    (tests/unit/test_stats_*), so both see the same moto and neither pays its whole-table copies."""
    with _dynamodb_patched:
        if _dynamodb_done:
            return
        _patch_transactions()
        _patch_write_isolation()
        _patch_queries()
        _patch_update_expressions()
        _dynamodb_done.append(True)


def _patch() -> None:
    _patch_name_lookups()
    _patch_sqs_visibility()
    _patch_serializer()
    _patch_sqs_deletes()
    patch_dynamodb_models()
    from devstack import aws_faults

    aws_faults.install()
    from moto import backends
    from moto.moto_server import werkzeug_app
    from moto.sqs import models as sqs

    modules = list(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules  # type: ignore[assignment]
    werkzeug_app.backends.list_of_moto_modules = backends.list_of_moto_modules  # same module object

    def attributes(self: Any) -> dict[str, Any]:
        """moto's attributes, with the three approximate counts computed only when asked for (and then
        memoised for 100 ms): SendMessage and ReceiveMessage read only static attributes, and each count
        is a pass over every message of the queue."""
        result: dict[str, Any] = {}
        for attribute in self.BASE_ATTRIBUTES:
            if attribute not in APPROXIMATE:
                result[attribute] = getattr(self, sqs.camelcase_to_underscores(attribute))
        if self.fifo_queue:
            for attribute in self.FIFO_ATTRIBUTES:
                result[attribute] = getattr(self, sqs.camelcase_to_underscores(attribute))
        if self.kms_master_key_id:
            for attribute in self.KMS_ATTRIBUTES:
                result[attribute] = getattr(self, sqs.camelcase_to_underscores(attribute))
        if self.policy:
            result["Policy"] = self.policy
        if self.redrive_policy:
            result["RedrivePolicy"] = json.dumps(self.redrive_policy)
        for key, value in result.items():
            if isinstance(value, bool):
                result[key] = str(value).lower()
        return LazyCounts(result, lambda: _counts(self))

    def _counts(queue: Any) -> dict[str, Any]:
        now = time.monotonic()
        memo = queue.__dict__.get("_devstack_counts")
        if memo is None or now - memo[0] > MEMO_S:
            memo = (now, {a: getattr(queue, sqs.camelcase_to_underscores(a)) for a in APPROXIMATE})
            queue.__dict__["_devstack_counts"] = memo
        return memo[1]

    sqs.Queue.attributes = property(attributes)  # type: ignore[assignment]
    set_attributes = sqs.Queue._set_attributes

    def _set_attributes(self: Any, *args: Any, **kwargs: Any) -> Any:
        self.__dict__.pop("_devstack_counts", None)
        return set_attributes(self, *args, **kwargs)

    sqs.Queue._set_attributes = _set_attributes  # type: ignore[assignment]


def serve_keep_alive(host: str, port: int) -> None:
    """moto's WSGI app behind an HTTP/1.1 server that keeps connections open. werkzeug's development server
    (moto's own ``run_simple``) answers every request with ``Connection: close``, so each DynamoDB call of
    the app opened a TCP connection and the server started a thread for it: under the sidebar's 20 members
    at once that was a large share of both processes' CPU (py-spy; docs/performance.md, "The employee
    sidebar"), which DynamoDB's keep-alive HTTPS endpoint does not cost botocore on AWS. Here a connection
    is served by one thread for as long as the client keeps it; each request's body is read by its
    Content-Length (botocore always sends one) and each answer carries one."""
    import io
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import unquote

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    app = DomainDispatcherApplication(create_backend_app)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # The headers and the body are two writes: with Nagle's algorithm the body waited for the client's
        # delayed ACK of the headers (~40 ms on a kept connection; werkzeug's close flushed it).
        disable_nagle_algorithm = True

        def log_message(self, *args: Any) -> None:  # werkzeug's access log was off too
            pass

        def _serve(self) -> None:
            if self.headers.get("Transfer-Encoding"):  # no Content-Length to read the body by: refuse, close
                self.close_connection = True
                self.send_error(411, "send a Content-Length")
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path, _, query = self.path.partition("?")
            environ: dict[str, Any] = {
                "REQUEST_METHOD": self.command, "SCRIPT_NAME": "", "PATH_INFO": unquote(path, "latin-1"),
                "QUERY_STRING": query, "SERVER_NAME": host, "SERVER_PORT": str(port),
                "SERVER_PROTOCOL": self.request_version, "REMOTE_ADDR": self.client_address[0],
                "CONTENT_TYPE": self.headers.get("Content-Type", ""), "CONTENT_LENGTH": str(length),
                "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
                "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": False,
                "wsgi.run_once": False,
            }  # fmt: skip
            for name in {n.lower() for n in self.headers}:
                key = "HTTP_" + name.upper().replace("-", "_")
                if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                    environ[key] = ",".join(self.headers.get_all(name) or ())
            chunks: list[bytes] = []
            started: list[Any] = []

            def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
                started[:] = [status, headers]
                return chunks.append

            try:
                result = app(environ, start_response)
                try:
                    chunks.extend(result)
                finally:
                    if hasattr(result, "close"):
                        result.close()
            except Exception:
                logging.getLogger(__name__).exception("moto request failed")
                chunks, started[:] = [b"internal error"], ["500 INTERNAL SERVER ERROR", []]
            data = b"".join(chunks)
            code, _, reason = str(started[0]).partition(" ")
            self.send_response(int(code), reason)
            for name, value in started[1]:
                if name.lower() not in ("content-length", "connection", "transfer-encoding", "server", "date"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _serve

    class Server(ThreadingHTTPServer):
        # socketserver's listen backlog is 5: a burst of new connections (20 portraits at once, each opening
        # a few) overflowed it, and each connection refused waited for its SYN's resend, 1 s and then 3 s
        # (werkzeug listened with 128).
        request_queue_size = 1024
        daemon_threads = True

    Server((host, port), Handler).serve_forever()


def main() -> None:
    # moto holds every item as Python objects: with a few hundred thousand items a full collection pauses
    # every request for about a second. The objects live until the server stops, so older generations are
    # collected rarely (young garbage still is, at every 50,000 allocations).
    import argparse
    import gc
    import signal

    gc.set_threshold(50_000, 50, 1_000)
    _patch()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    argv = sys.argv[1:]
    if "--keep-alive" in argv:
        parser = argparse.ArgumentParser()
        parser.add_argument("-H", "--host", default="127.0.0.1")
        parser.add_argument("-p", "--port", type=int, required=True)
        parser.add_argument("--keep-alive", action="store_true")
        args = parser.parse_args(argv)
        os.environ.setdefault("MOTO_PORT", str(args.port))
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        serve_keep_alive(args.host, args.port)
        return
    from moto.server import main as moto_main

    moto_main(argv)


if __name__ == "__main__":
    main()
