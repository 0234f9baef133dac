import { runMemoryContract } from './memory-contract.js';

runMemoryContract('Asia/Kathmandu');
