import { runContractSuite } from '@cohort/testkit';
import { createMemoryStore } from '../src/index.js';

runContractSuite({
  name: 'memory',
  timeZone: 'Asia/Kathmandu',
  setup: ({ clock }) => Promise.resolve(createMemoryStore({ clock })),
});
