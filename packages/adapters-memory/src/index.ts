// The in-memory reference adapter: every port in process. Application teams use it in unit tests; the contract suite
// runs against it first. It imports no test framework.
export { createMemoryStore } from './memory-store.js';
export type { MemoryStore, MemoryStoreOptions } from './memory-store.js';
export { memoryModule } from './memory-module.js';
export type { MemoryModuleOptions } from './memory-module.js';
