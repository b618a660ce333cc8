// Which addresses the window may hand to the system browser (shell.openExternal). The UI links to
// no outside page today, so the list is empty and every request is refused; add a host here (and
// a test) when the UI gains a link. Only plain https on the default port, no user:password@.
export const EXTERNAL_HOSTS: readonly string[] = [];

export function isAllowedExternal(url: string, hosts: readonly string[] = EXTERNAL_HOSTS): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.protocol === 'https:' && u.port === '' && !u.username && !u.password && hosts.includes(u.hostname);
}
