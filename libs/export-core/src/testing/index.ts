export * from './test-databases.js';
export * from './parse-csv.js';
export * from './fault-injecting-sink.js';
export * from './private-mariadb.js';
export * from './in-memory-state-store.js';
export * from './in-memory-sink.js';
export * from './reference-encoder.js';
export * from './redact-url.js';
