// Calls on the engine or the reference through a proxy that remembers every tensor
// made, so a panel can free them all after (ops return tensors, or objects of them).
export function tracked(api: any): { api: any; free: () => void } {
  const made: { destroy(): void }[] = [];
  const collect = (r: any) => {
    if (r && typeof r.destroy === 'function') made.push(r);
    else if (r && typeof r === 'object' && !ArrayBuffer.isView(r))
      for (const v of Object.values(r)) if (v && typeof (v as any).destroy === 'function') made.push(v as any);
  };
  const proxy = new Proxy(api, {
    get(target, key) {
      const v = target[key];
      return typeof v === 'function'
        ? (...args: unknown[]) => {
            const r = v.apply(target, args);
            collect(r);
            return r;
          }
        : v;
    },
  });
  return { api: proxy, free: () => made.forEach((t) => t.destroy()) };
}
