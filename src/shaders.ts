// WGSL sources, kept in shaders/*.wgsl and imported as text through Vite.
import common from '../shaders/common.wgsl?raw';
import windowParams from '../shaders/window_params.wgsl?raw';
import windowLp from '../shaders/window_lp.wgsl?raw';
import windowForward from '../shaders/window_forward.wgsl?raw';
import windowForwardVec4 from '../shaders/window_forward_vec4.wgsl?raw';
import windowBackward from '../shaders/window_backward.wgsl?raw';

/** Shader modules as the host builds them: the shared files first, then the kernel. */
export const shaderSources = {
  windowForward: [common, windowParams, windowLp, windowForward].join('\n'),
  windowForwardVec4: [common, windowParams, windowForwardVec4].join('\n'),
  windowBackward: [common, windowParams, windowLp, windowBackward].join('\n'),
} as const;

export type ShaderName = keyof typeof shaderSources;

/** The raw files, for tests that read struct declarations. */
export const shaderFiles = { common, windowParams, windowLp, windowForward, windowForwardVec4, windowBackward } as const;
