export * from './apiclient.js';
export * from './backoff.js';
export * from './informer.js';
export * from './workqueue.js';
export * from './process.js';
