// The pooling modes, one list for every kernel family: the value of the MODE
// override a pipeline is made with. src/modes.ts holds the same list for the
// host, and a test checks that the two agree.

const MODE_MAX: u32 = 0u;
const MODE_AVG: u32 = 1u;
const MODE_LP: u32 = 2u;
const MODE_SOFT: u32 = 3u;
const MODE_MIXED: u32 = 4u;
const MODE_STOCHASTIC_EVAL: u32 = 5u;
const MODE_STOCHASTIC: u32 = 6u;
const MODE_GEM: u32 = 7u;
