export * from './errors.js';
export * from './job-catalog.js';
export * from './deployment-config-file.js';
