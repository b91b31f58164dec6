export * from './types.js';
export * from './connector.js';
export * from './logquery.js';
