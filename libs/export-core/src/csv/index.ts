export * from './csv-options.js';
export * from './encode-row.js';
export * from './csv-encoder-stream.js';
