import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
const endpoint = process.argv[2];
const client = new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'cohort', secretAccessKey: 'cohort' } });
for (const partition of ['TYPE#posts', 'TYPE#reactions']) {
  const t = performance.now();
  let total = 0, pages = 0, start;
  do {
    const out = await client.send(new QueryCommand({ TableName: 'cohort-backfill-source', IndexName: 'scan', KeyConditionExpression: 'scanPk = :p', ExpressionAttributeValues: { ':p': { S: partition } }, Select: 'COUNT', ExclusiveStartKey: start }));
    total += out.Count ?? 0; pages += 1; start = out.LastEvaluatedKey;
  } while (start);
  console.log(`${partition}: COUNT ${total} in ${pages} pages, ${Math.round(performance.now() - t)} ms`);
}
client.destroy();
