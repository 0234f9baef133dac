// The deadline every port call runs under (core's, DESIGN: every call ends), named for this store.
import { storeDeadlines } from '@cohort/core/adapter';

export { DEFAULT_TIMEOUT_MS, beforeDeadline, type Deadline } from '@cohort/core/adapter';
export const { deadlineOf, withDeadlines } = storeDeadlines('PostgreSQL');
