import { runDynamoContract } from './dynamo-contract.js';

// Keys and TTLs are built from instants: a +05:45 zone proves the process's local time reaches none of them.
runDynamoContract('Asia/Kathmandu');
