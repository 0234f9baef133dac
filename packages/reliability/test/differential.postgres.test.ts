import { differentialSuite } from './support/differential.js';

differentialSuite('postgres');
