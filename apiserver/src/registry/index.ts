export * from './types.js';
export { StoreRegistry, DEFAULT_SERVICE_CIDR, DEFAULT_NODEPORT_RANGE, type RegistryOptions } from './registry.js';
export { bootstrap, kubernetesService, SYSTEM_NAMESPACES } from './bootstrap.js';
