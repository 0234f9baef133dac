import { differentialSuite } from './support/differential.js';

differentialSuite('dynamo', [
  'communities and memberships',
  'posts, comments and reactions',
  'activity',
  'every port at once',
]);
