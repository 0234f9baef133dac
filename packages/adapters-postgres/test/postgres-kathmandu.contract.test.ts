import { runPostgresContract } from './postgres-contract.js';

// pg turns Dates into text in the process's local zone: a +05:45 zone proves none of it reaches the stored instants.
runPostgresContract('Asia/Kathmandu');
