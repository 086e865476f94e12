/** The exporter's version (apps/exporter/package.json), as `--version` prints it. */
import exporterPackage from '../../package.json' with { type: 'json' };

export const EXPORTER_VERSION: string = exporterPackage.version;

export const VERSION_LINE = `rds-s3-export ${EXPORTER_VERSION}`;
