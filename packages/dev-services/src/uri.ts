/** Hides the password of a `scheme://user:password@host` URI so it can be logged. */
export function redactUri(uri: string): string {
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*)@/i, (_m, scheme: string, userinfo: string) => {
    const user = userinfo.split(':')[0] ?? '';
    return userinfo.includes(':') ? `${scheme}${user}:***@` : `${scheme}${userinfo}@`;
  });
}
