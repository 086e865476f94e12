/**
 * s3rver in its own process, so the harness can measure the S3 server's CPU apart from the
 * exporter's. Prints `{"endpoint": …, "pid": …}` once listening; stops on SIGTERM or when stdin closes.
 */
import { startS3 } from '@rds-s3-export/local-stack';
import { argsOf } from './runner-io.js';

const { directory, bucket } = argsOf(process.argv.slice(2), ['directory', 'bucket']);
const s3 = await startS3({ directory, buckets: [bucket] });
process.stdout.write(`${JSON.stringify({ endpoint: s3.endpoint, pid: process.pid })}\n`);
const stop = () => void s3.stop().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.stdin.on('end', stop).resume();
