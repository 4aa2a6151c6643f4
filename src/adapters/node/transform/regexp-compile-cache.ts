/**
 * Installs, in the current (worker) thread, a `RegExp` constructor that reuses the compiled object
 * for a repeated (pattern, flags) pair. Why: libphonenumber-js builds its metadata patterns with
 * `new RegExp('^(?:' + pattern + ')$')` on every call, and that compilation was ~60% of the time of
 * normalizing a phone number. Only patterns without the `g` and `y` flags are shared: those never
 * read or write `lastIndex`, so a shared object behaves exactly like a fresh one.
 */
export function installRegExpCompileCache(maxEntries = 20_000): void {
  const NativeRegExp = globalThis.RegExp;
  if ((NativeRegExp as { compileCached?: boolean }).compileCached) return;
  const cache = new Map<string, RegExp>();
  const cached = new Proxy(NativeRegExp, {
    construct(target, args: [string | RegExp, string | undefined]) {
      const [pattern, flags] = args;
      if (typeof pattern !== 'string' || (flags !== undefined && /[gy]/.test(flags))) return new target(...args);
      const key = flags ? `${flags}/${pattern}` : pattern;
      let compiled = cache.get(key);
      if (compiled === undefined) {
        compiled = new target(pattern, flags);
        if (cache.size < maxEntries) cache.set(key, compiled);
      }
      return compiled;
    },
    get(target, property, receiver) {
      return property === 'compileCached' ? true : Reflect.get(target, property, receiver);
    },
  });
  globalThis.RegExp = cached;
}
