// WGSL sources, kept in shaders/*.wgsl and imported as text through Vite.
import common from '../shaders/common.wgsl?raw';
import windowParams from '../shaders/window_params.wgsl?raw';
import windowForward from '../shaders/window_forward.wgsl?raw';
import windowBackward from '../shaders/window_backward.wgsl?raw';

/** Shader modules as the host builds them: the shared files first, then the kernel. */
export const shaderSources = {
  windowForward: [common, windowParams, windowForward].join('\n'),
  windowBackward: [common, windowParams, windowBackward].join('\n'),
} as const;

export type ShaderName = keyof typeof shaderSources;

/** The raw files, for tests that read struct declarations. */
export const shaderFiles = { common, windowParams, windowForward, windowBackward } as const;
