export * from './error-class.js';
export * from './csv-dialect.js';
export * from './naming-rules.js';
export * from './destination.js';
export * from './job-config.js';
export * from './manifest.js';
export * from './exporter-event.js';
