/**
 * Imported first by the entry points (apps, tools), for its effect: drops the AWS SDK's Node
 * version banner and nothing else (see node-version-warning.ts).
 * `import '@rds-s3-export/aws/ignore-node-version-warning';`
 */
import { ignoreSdkNodeVersionWarning } from './node-version-warning.js';

ignoreSdkNodeVersionWarning();
