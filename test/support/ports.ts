export { freePorts } from '../../src/util/free-ports.js';
