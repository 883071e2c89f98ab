import { clearHandoff } from './refresh-handoff';
import type { AuthSession, TokenPair, User } from './types';

/**
 * The logged-in session, kept in localStorage so a reload (or the redirect back from the payment
 * page) stays logged in. Listeners hear about every change, including those made by other tabs.
 */
const KEY = 'shop.session';
type Listener = (user: User | null) => void;
const listeners = new Set<Listener>();

export function currentSession(): AuthSession | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as AuthSession) : null;
  } catch {
    return null;
  }
}

export function currentUser(): User | null {
  return currentSession()?.user ?? null;
}

export function saveSession(session: AuthSession): void {
  localStorage.setItem(KEY, JSON.stringify(session));
  notify();
}

export function saveTokens(tokens: TokenPair): void {
  const session = currentSession();
  if (!session) return;
  saveSession({ ...session, ...tokens });
}

export function clearSession(): void {
  localStorage.removeItem(KEY);
  void clearHandoff();
  notify();
}

export function onSessionChange(listener: Listener): void {
  listeners.add(listener);
}

function notify(): void {
  const user = currentUser();
  for (const listener of listeners) listener(user);
}

window.addEventListener('storage', (event) => {
  if (event.key === KEY) notify();
});
