/** Every way a call can be refused; `PoolError.code` is one of these. */
export type PoolErrorCode =
  | 'INVALID_RANK'
  | 'INVALID_SHAPE'
  | 'DATA_LENGTH'
  | 'INVALID_KERNEL'
  | 'INVALID_STRIDE'
  | 'INVALID_DILATION'
  | 'INVALID_PADDING'
  | 'EMPTY_OUTPUT'
  | 'EMPTY_WINDOW'
  | 'INVALID_LAYOUT'
  | 'INVALID_MODE'
  | 'NOT_FINITE'
  | 'INVALID_P'
  | 'INVALID_EPS'
  | 'INVALID_OUTPUT_SIZE'
  | 'INVALID_LEVELS'
  | 'INVALID_OPTION'
  | 'SHAPE_MISMATCH'
  | 'DESTROYED_TENSOR'
  | 'FOREIGN_TENSOR'
  | 'DESTROYED_ENGINE'
  | 'DEVICE_LOST'
  | 'TOO_LARGE'
  | 'NO_WEBGPU'
  | 'INVALID_BUFFER'
  | 'FOREIGN_BUFFER'
  | 'OVERLAP'
  | 'NO_INDICES'
  | 'IN_BATCH'
  | 'KERNELS_NOT_LOADED';

/**
 * The one error class of the library. Its message names the parameter, the
 * value it got and the rule it broke, so the fix is in the message.
 */
export class PoolError extends Error {
  readonly code: PoolErrorCode;
  readonly param: string;
  constructor(code: PoolErrorCode, param: string, value: unknown, rule: string) {
    super(`${param} = ${describe(value)}: ${rule}`);
    this.name = 'PoolError';
    this.code = code;
    this.param = param;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as Float32Array).length})`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
