export * from './types.js';
export * from './resources.js';
export * from './labels.js';
export * from './fields.js';
export * from './names.js';
export * from './hash.js';
export * from './time.js';
