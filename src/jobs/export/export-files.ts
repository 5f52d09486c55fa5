/** The files of an export: Parquet (row group by row group, flushed as it goes) or NDJSON, through the file store. */
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { FileStore, FileWrite } from '../../store/files/file-store.js';
import type { ExportSchema } from './parquet-schema.js';

/** One file being written: rows go in a page at a time; memory holds at most one page. */
export interface PartWriter {
  add(rows: readonly Record<string, unknown>[]): Promise<void>;
  /** Completes the file and makes it visible; returns its size in bytes. */
  finish(): Promise<number>;
  abort(): Promise<void>;
}

/** A ByteWriter that hands its bytes to the file after each row group instead of keeping the whole file in memory. */
class SinkWriter extends ByteWriter {
  constructor(private readonly sink: FileWrite) {
    super(1 << 20);
  }

  flush(): Promise<void> {
    const bytes = this.getBytes();
    return this.sink.write(bytes).then(() => {
      this.index = 0;
    });
  }

  override finish(): Promise<void> {
    return this.flush();
  }
}

/** A Parquet file of `schema`; each `add` is one row group. */
export async function parquetPart(store: FileStore, key: string, schema: ExportSchema): Promise<PartWriter> {
  const sink = await store.create(key);
  const writer = new SinkWriter(sink);
  const parquet = new ParquetWriter({ writer, schema: schema.elements, createdBy: 'realtime-profile export' });
  return {
    async add(rows) {
      if (rows.length === 0) return;
      const columnData = schema.columns.map((c) => ({ name: c.name, data: rows.map((r) => c.convert(r[c.name])) }));
      await parquet.write({ columnData, rowGroupSize: rows.length });
    },
    async finish() {
      await parquet.finish();
      return sink.commit();
    },
    abort: () => sink.abort(),
  };
}

/** A file of JSON lines, one profile each. */
export async function ndjsonPart(store: FileStore, key: string): Promise<PartWriter> {
  const sink = await store.create(key);
  return {
    async add(rows) {
      if (rows.length > 0) await sink.write(Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n') + '\n'));
    },
    finish: () => sink.commit(),
    abort: () => sink.abort(),
  };
}
