export * from './constructs/index.js';
export * from './constructs/export-pipeline.js';
export * from './stacks/pipeline-stack.js';
export * from './stacks/ci-access-stack.js';
export * from './app.js';
export * from './settings.js';
export * from './exporter-code.js';
export * from './schedule-period.js';
