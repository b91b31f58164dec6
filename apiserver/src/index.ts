/** The apiserver as a library (for in-process use in tests); the process entry point is main.ts. */
export * from './storage/store.js';
export { MemoryStore } from './storage/memory.js';
export { EtcdStore, type EtcdStoreOptions } from './storage/etcd.js';
export * from './registry/index.js';
export { startGrpcServer, stopGrpcServer, type GrpcServerOptions } from './grpc/server.js';
export { resourcesHandlers } from './grpc/service.js';
export { readConfig, type ApiserverConfig } from './config.js';
