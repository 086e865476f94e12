export * from './export-alarms.js';
export * from './export-bucket.js';
export * from './export-catalog.js';
export * from './export-function.js';
export * from './export-network.js';
export * from './export-schedules.js';
export * from './export-state-table.js';
export * from './parallel-export-state-machine.js';
