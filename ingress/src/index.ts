export * from './backends.js';
export * from './certs.js';
export * from './classes.js';
export * from './controller.js';
export * from './forward.js';
export * from './pages.js';
export * from './routes.js';
export * from './server.js';
