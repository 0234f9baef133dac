import { differentialSuite } from './support/differential.js';

// Split in two files (see differential-social.dynamo.test.ts) so that they run side by side.
differentialSuite('dynamo', ['users', 'content and enrollments', 'events and registrations']);
