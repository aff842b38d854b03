// TensorFlow.js's OWN tests, in headless Chromium on TF.js's webgpu backend: the
// published jasmine spec files of tfjs-core 4.22 for pooling (plus mean and max),
// run by test/tfjs/jasmine.html exactly as TF.js runs them (jasmine 5, its
// jasmine_util test env 'webgpu', gradients and chained ops registered), on
// TF.js's own kernels: the baseline that tfjs-plugin-own-tests.test.ts holds
// webgpu-pool/tfjs to. TFJS_OWN_TESTS_SETUP=/path/to/module.ts runs them with
// another set-up module (one that sets window.beforeTfjsSpecs).
import { defineTfjsOwnTests } from '../tfjs/own-tests-suite';

defineTfjsOwnTests(process.env.TFJS_OWN_TESTS_SETUP || undefined, 'tfjs-own-tests.json');
