"""Tables the engine registers never take a name ibis uses for its SQL aliases."""

from __future__ import annotations

import re

import pyarrow as pa

from microcred.engine import Engine


def test_registered_tables_are_not_named_like_ibis_aliases() -> None:
    # ibis writes subqueries as t0, t1, …; a registered table named t3 was read as the
    # alias t3 in a query that joined both (a binder error, once four coders ran)
    engine = Engine()
    try:
        tables = [engine.table(pa.table({"k": [i], "v": [i * 10]})) for i in range(6)]
        names = [t.get_name() for t in tables]
        assert not [n for n in names if re.fullmatch(r"t\d+", n)], names
        joined = tables[0]
        for t in tables[1:]:
            joined = joined.union(t.filter(t.v >= 0).select("k", "v"))
        assert sorted(engine.to_arrow(joined)["k"].to_pylist()) == list(range(6))
    finally:
        engine.close()
