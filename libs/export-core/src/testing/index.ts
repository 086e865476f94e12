export * from './test-databases.js';
export * from './parse-csv.js';
