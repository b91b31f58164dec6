export * from './apiclient.js';
export * from './backoff.js';
export * from './informer.js';
export * from './workqueue.js';
export * from './process.js';
export * from './leaderelection.js';
export * from './leaderelection-lock.js';
export * from './leaderelection-config.js';
