export * from './codes.js';
export * from './messages.js';
export * from './loader.js';
export * from './kubelet.js';
