import { runDynamoContract } from './dynamo-contract.js';

runDynamoContract();
