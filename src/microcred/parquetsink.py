"""Write a stream of Arrow batches to one Parquet file, with fixed row groups.

Why: stages that stream (staging a source, adding education-listed credentials) must
not hold a table whole, and the same rows must give the same bytes however the rows
arrived: batches are re-cut into row groups of exactly ``row_group_size`` rows.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.parquet as pq

ROW_GROUP = 1 << 20  # pyarrow's own default, so a table written whole gives the same layout


class ParquetSink:
    """Append tables or record batches (all of ``schema``) to ``path``; ``close`` finishes it."""

    def __init__(self, path: Path, schema: pa.Schema, row_group_size: int = ROW_GROUP):
        self.path = Path(path)
        self.schema = schema.remove_metadata()
        self.row_group_size = row_group_size
        self.rows = 0
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = pq.ParquetWriter(
            self.path, self.schema, compression="zstd", write_statistics=True
        )

    def write(self, data: pa.Table | pa.RecordBatch) -> None:
        table = data if isinstance(data, pa.Table) else pa.Table.from_batches([data])
        if table.num_rows == 0:
            return
        self._pending.append(table.replace_schema_metadata(None).cast(self.schema))
        self._pending_rows += table.num_rows
        self.rows += table.num_rows
        if self._pending_rows >= self.row_group_size:
            self._flush(final=False)

    def _flush(self, final: bool) -> None:
        whole = pa.concat_tables(self._pending)
        size = self.row_group_size
        full = whole.num_rows if final else whole.num_rows - whole.num_rows % size
        for start in range(0, full, size):
            self._writer.write_table(whole.slice(start, min(size, full - start)), size)
        rest = whole.slice(full)
        self._pending = [rest] if rest.num_rows else []
        self._pending_rows = rest.num_rows

    def close(self) -> None:
        if self._pending_rows:
            self._flush(final=True)
        if self.rows == 0:  # an empty table still gets its (empty) row group, as write_table does
            self._writer.write_table(self.schema.empty_table())
        self._writer.close()

    def __enter__(self) -> ParquetSink:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
        if exc_type is not None:
            self.path.unlink(missing_ok=True)
