/**
 * The project's exporter core without the CLI around it: runExport from @rds-s3-export/export-core
 * with the engine's row source and the local-folder sink, for what the CLI does not expose
 * (the gzip level, to measure its trade-off).
 */
import { CsvDialectSchema } from '@rds-s3-export/shared-types';
import { createRowSource, LocalFolderSink, parseConnectionUrl, runExport, silentLogger, systemClock } from '@rds-s3-export/export-core';
import { argsOf, report, seconds } from './runner-io.js';

const { url, table, out, level } = argsOf(process.argv.slice(2), ['url', 'table', 'out', 'level']);
const started = process.hrtime.bigint();
const manifest = await runExport(
  {
    job: 'bench',
    table,
    dialect: CsvDialectSchema.parse({}),
    prefix: 'rds_exports',
    manifestPrefix: '_manifests',
    layout: 'flat',
    compression: 'gzip',
    runTime: new Date(Date.UTC(2026, 1, 22, 10, 12)),
  },
  { source: createRowSource(parseConnectionUrl(url)), sink: new LocalFolderSink(out), clock: systemClock, logger: silentLogger, gzipLevel: Number(level) },
);
report({ rows: manifest.rows, bytes: manifest.bytes, seconds: seconds(started) });
