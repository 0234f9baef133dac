import { runMemoryContract } from './memory-contract.js';

runMemoryContract();
