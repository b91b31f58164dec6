export * from './lab.js';
