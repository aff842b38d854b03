// Everything `npm run bench -- --node` loads through Vite, in one module, so that
// test/bench/build-node-bundle.mjs can make it a single file for a machine
// without node_modules (a lent GPU machine that can reach no registry).
export { createPoolEngine } from '../../src/index';
export { runSuite } from './suite';
export { freshDevices } from './integration';
export { tfOnDevice } from '../../examples/demo/tf-on-device';
