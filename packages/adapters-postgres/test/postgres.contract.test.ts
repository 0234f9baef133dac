import { runPostgresContract } from './postgres-contract.js';

runPostgresContract();
