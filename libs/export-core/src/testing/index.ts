export * from './test-databases.js';
export * from './parse-csv.js';
export * from './fault-injecting-sink.js';
export * from './private-mariadb.js';
export * from './private-postgres.js';
export * from './test-certificates.js';
export * from './fault-proxy.js';
