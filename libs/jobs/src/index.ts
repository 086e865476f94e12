export * from './job-catalog.js';
