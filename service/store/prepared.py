"""Hot reads: a SELECT compiled once and run straight on a DBAPI cursor.

The seed query endpoints answer thousands of requests a second, and for a
one-row lookup SQLAlchemy's per-execution bookkeeping (pool checkout, events,
execution context, result object) costs about ten times the query itself.
A ``PreparedRead`` keeps what Core computes per call and does once what can be
done once: the SQL text for the engine's dialect, the order of its parameters
and each column's result conversion (JSON columns are decoded exactly as Core
decodes them), so its rows equal ``dict(row._mapping)`` from Core.

Only single SELECT statements belong here; writes keep going through Core
transactions.
"""

from sqlalchemy import exc as sa_exc

from service.errors import NotFound

class ReadConnections:
    """DBAPI connections for prepared reads, taken out of the engine's pool.

    Each was opened by the engine (so the dialect's and the store's connect
    hooks ran), then detached from the pool: reads never wait on the pool and
    never hold a slot writers need. Kept last-in first-out so a warm
    connection is reused; closed by ``dispose``. A plain list is enough:
    ``append`` and ``pop`` are atomic, and at most one connection per thread
    is ever out.
    """

    def __init__(self, engine):
        self.engine = engine
        self._idle = []

    def take(self):
        try:
            return self._idle.pop()
        except IndexError:
            fairy = self.engine.raw_connection()
            fairy.detach()
            return fairy.dbapi_connection

    def give_back(self, dbapi_conn):
        self._idle.append(dbapi_conn)

    def dispose(self):
        while True:
            try:
                conn = self._idle.pop()
            except IndexError:
                return
            conn.close()


class PreparedRead:
    def __init__(self, statement, connections):
        self.connections = connections
        dialect = connections.engine.dialect
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        binds = compiled.binds
        if any(bind.expanding for bind in binds.values()):
            raise ValueError("a prepared read takes no IN-list (expanding) parameters")
        if compiled.positional:
            self._params = [(name, _bind_processor(binds[name].type, dialect))
                            for name in compiled.positiontup]
        else:
            self._params = {name: _bind_processor(bind.type, dialect) for name, bind in binds.items()}
        self._defaults = {name: bind.value for name, bind in binds.items() if bind.value is not None}
        columns = list(statement.selected_columns)
        self.keys = [column.key for column in columns]
        self._convert = [(i, processor) for i, column in enumerate(columns)
                         if (processor := _result_processor(column.type, dialect)) is not None]

    def _bind(self, params):
        params = {**self._defaults, **params}
        if isinstance(self._params, list):
            return [p(params[name]) if p else params[name] for name, p in self._params]
        return {name: p(params[name]) if p else params[name] for name, p in self._params.items()}

    def _row(self, raw):
        if not self._convert:
            return raw
        row = list(raw)
        for i, processor in self._convert:
            row[i] = processor(row[i])
        return row

    def rows(self, params=None):
        """Every row, each a list of column values."""
        connections = self.connections
        conn = connections.take()
        try:
            cursor = conn.cursor()
            try:
                cursor.execute(self.sql, self._bind(params or {}))
                rows = [self._row(raw) for raw in cursor.fetchall()]
            finally:
                cursor.close()
            # a driver that opened a transaction for the SELECT must not keep its snapshot
            conn.rollback()
        except BaseException:
            conn.close()
            raise
        connections.give_back(conn)
        return rows

    def mappings(self, params=None):
        """Every row as a dict keyed by column name."""
        return [dict(zip(self.keys, row)) for row in self.rows(params)]

    def first(self, params=None):
        """The first row as a dict, or None."""
        rows = self.mappings(params)
        return rows[0] if rows else None

    def one(self, params, missing):
        """The first row as a dict; NotFound with the message MISSING when there is none."""
        row = self.first(params)
        if row is None:
            raise NotFound(missing)
        return row

    def column(self, params=None):
        """The first column of every row."""
        return [row[0] for row in self.rows(params)]


def _result_processor(type_, dialect):
    """What Core does to a column of TYPE_ it reads, or None. Some dialects decide by the
    column's type code, known only with a result (PostgreSQL's numbers): their driver
    returns those values as Python numbers already, so nothing is to be done."""
    try:
        return type_.dialect_impl(dialect).result_processor(dialect, None)
    except (TypeError, ValueError, LookupError, sa_exc.SQLAlchemyError):
        return None


def _bind_processor(type_, dialect):
    return type_.dialect_impl(dialect).bind_processor(dialect)
