/** Host names this server always answers to (with its own port). */
const OWN_HOSTNAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** `::1` → `[::1]`, `LocalHost` → `localhost`: host names as `URL#hostname` writes them. */
export function hostnameOf(host: string): string | undefined {
  const trimmed = host.trim();
  if (trimmed === '') return undefined;
  try {
    return new URL(`http://${trimmed.includes(':') && !trimmed.startsWith('[') ? `[${trimmed}]` : trimmed}`).hostname;
  } catch {
    return undefined;
  }
}

/**
 * True when a request's `Host` header names this server: a loopback name or one of `extraHosts`
 * (the configured HOST, ALLOWED_HOSTS), with the port the request arrived on. A page on another
 * name — even one that resolves to 127.0.0.1 (DNS rebinding) — is refused.
 */
export function isOwnHost(hostHeader: string | undefined, port: number, extraHosts: readonly string[] = []): boolean {
  if (hostHeader === undefined || hostHeader === '') return false;
  let url: URL;
  try {
    url = new URL(`http://${hostHeader}`);
  } catch {
    return false;
  }
  // "a@b", "a/b", "a?b": not a plain host[:port].
  if (url.username !== '' || url.password !== '' || url.pathname !== '/' || url.search !== '' || url.hash !== '')
    return false;
  if ((url.port === '' ? 80 : Number(url.port)) !== port) return false;
  const allowed = new Set([...OWN_HOSTNAMES, ...extraHosts.flatMap((host) => hostnameOf(host) ?? [])]);
  return allowed.has(url.hostname);
}
