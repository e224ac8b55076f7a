"""A test double of the HBase Thrift (v1) server in process on 127.0.0.1, speaking happybase's ``Hbase.thrift`` IDL.

It implements the calls the HBase sink and happybase's read-back use (tables, mutateRows, row reads,
scanners), keeps cells in memory, and can drop client connections or fail calls, so tests can check
reconnects. It is a test double for the wire protocol, not a database.
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
import time
from dataclasses import dataclass, field

import happybase  # noqa: F401 - loads the Hbase_thrift module from happybase's IDL
from Hbase_thrift import ColumnDescriptor, Hbase, TCell, TRowResult  # type: ignore[import-not-found]
from Hbase_thrift import IOError as HBaseIOError
from thriftpy2.protocol import TBinaryProtocolFactory
from thriftpy2.server import TThreadedServer
from thriftpy2.thrift import TProcessor
from thriftpy2.transport import TBufferedTransportFactory, TServerSocket


@dataclass
class HBaseStore:
    """Tables -> rows -> {b"family:qualifier": (value, timestamp)}; families per table."""

    families: dict[bytes, set[bytes]] = field(default_factory=dict)
    rows: dict[bytes, dict[bytes, dict[bytes, tuple[bytes, int]]]] = field(default_factory=dict)
    mutate_calls: int = 0
    fail_next: int = 0


class _Handler:
    def __init__(self, store: HBaseStore) -> None:
        self.store = store
        self.scanners: dict[int, list[TRowResult]] = {}
        self.ids = itertools.count(1)
        self.lock = threading.Lock()

    def getTableNames(self) -> list[bytes]:  # noqa: N802 - Thrift names
        return sorted(self.store.families)

    def isTableEnabled(self, tableName: bytes) -> bool:  # noqa: N802, N803
        return tableName in self.store.families

    def getColumnDescriptors(self, tableName: bytes) -> dict[bytes, ColumnDescriptor]:  # noqa: N802, N803
        self._table(tableName)
        return {family + b":": ColumnDescriptor(name=family + b":") for family in self.store.families[tableName]}

    def createTable(self, tableName: bytes, columnFamilies: list) -> None:  # noqa: N802, N803
        self.store.families[tableName] = {cf.name.rstrip(b":") for cf in columnFamilies}
        self.store.rows[tableName] = {}

    def mutateRows(self, tableName: bytes, rowBatches: list, attributes: dict) -> None:  # noqa: N802, N803
        with self.lock:
            self.store.mutate_calls += 1
            if self.store.fail_next:
                self.store.fail_next -= 1
                raise HBaseIOError(message=b"org.apache.hadoop.hbase.NotServingRegionException: region moving")
            table = self._table(tableName)
            families = self.store.families[tableName]
            for batch in rowBatches:
                for m in batch.mutations:
                    if m.column.split(b":", 1)[0] not in families:
                        raise HBaseIOError(message=b"NoSuchColumnFamilyException: " + m.column)
            now = int(time.time() * 1000)
            for batch in rowBatches:
                cells = table.setdefault(batch.row, {})
                for m in batch.mutations:
                    if m.isDelete:
                        cells.pop(m.column, None)
                    else:
                        cells[m.column] = (m.value, now)

    def getRowWithColumns(self, tableName: bytes, row: bytes, columns: list | None,  # noqa: N802, N803
                          attributes: dict) -> list[TRowResult]:
        cells = self._table(tableName).get(row)
        return [self._result(row, cells, columns)] if cells else []

    def scannerOpenWithScan(self, tableName: bytes, scan: object, attributes: dict) -> int:  # noqa: N802, N803
        table = self._table(tableName)
        start, stop = getattr(scan, "startRow", None), getattr(scan, "stopRow", None)
        rows = [self._result(r, table[r], getattr(scan, "columns", None)) for r in sorted(table)
                if (start is None or r >= start) and (stop is None or r < stop)]
        scanner = next(self.ids)
        self.scanners[scanner] = rows
        return scanner

    def scannerGetList(self, id: int, nbRows: int) -> list[TRowResult]:  # noqa: N802, N803
        rows = self.scanners.get(id, [])
        out, self.scanners[id] = rows[:nbRows], rows[nbRows:]
        return out

    def scannerClose(self, id: int) -> None:  # noqa: N802
        self.scanners.pop(id, None)

    def _table(self, name: bytes) -> dict:
        if name not in self.store.rows:
            raise HBaseIOError(message=b"TableNotFoundException: " + name)
        return self.store.rows[name]

    @staticmethod
    def _result(row: bytes, cells: dict, columns: list | None) -> TRowResult:
        def wanted(col: bytes) -> bool:
            return not columns or any(col == c or col.startswith(c.rstrip(b":") + b":") for c in columns)

        return TRowResult(row=row, columns={c: TCell(value=v, timestamp=ts) for c, (v, ts) in cells.items()
                                            if wanted(c)})


class HBaseThriftDouble:
    """The server: ``start()``, ``port``, ``drop_connections()``, ``stop()``; restartable on the same port."""

    def __init__(self, store: HBaseStore | None = None) -> None:
        self.store = store or HBaseStore()
        self.port = 0
        self._server_socket: TServerSocket | None = None
        self._clients: list[socket.socket] = []
        self._thread: threading.Thread | None = None

    def start(self) -> HBaseThriftDouble:
        handler = _Handler(self.store)
        self._server_socket = TServerSocket(host="127.0.0.1", port=self.port, client_timeout=None)
        self._server_socket.listen()
        self.port = self._server_socket.sock.getsockname()[1]
        server = TThreadedServer(TProcessor(Hbase, handler), self._server_socket,
                                 iprot_factory=TBinaryProtocolFactory(decode_response=False),
                                 itrans_factory=TBufferedTransportFactory(), daemon=True)
        listening = self._server_socket

        def accept_loop() -> None:
            while True:
                try:
                    client = listening.accept()
                except (OSError, AttributeError, AssertionError):
                    return  # the listening socket was closed
                self._clients.append(client.sock)
                threading.Thread(target=server.handle, args=(client,), daemon=True).start()

        self._thread = threading.Thread(target=accept_loop, daemon=True)
        self._thread.start()
        return self

    def drop_connections(self) -> None:
        """Cut every client connection, as a restarting Thrift server would."""
        for sock in self._clients:
            try:
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            except OSError:
                pass
        self._clients.clear()

    def stop(self) -> None:
        """Stop listening and cut the clients (``start()`` again reuses the port and the data)."""
        if self._server_socket is not None:
            sock = self._server_socket.sock
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            self._server_socket.close()
            self._server_socket = None
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.drop_connections()

    def create_table(self, name: str, *families: str) -> None:
        """Create a table directly in the store."""
        self.store.families[name.encode()] = {f.encode() for f in families}
        self.store.rows[name.encode()] = {}
