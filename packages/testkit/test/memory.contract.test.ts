import { createMemoryStore, runContractSuite } from '../src/index.js';

runContractSuite({ name: 'memory', setup: ({ clock }) => Promise.resolve(createMemoryStore({ clock })) });
