import { api } from '../api/client';
import { clearSession, currentSession, saveSession } from '../api/session';
import type { AuthSession } from '../api/types';
import { mergeGuestCart } from '../cart-actions';
import { field, h, replace } from '../dom';
import { describeError, errorBox, flash } from '../messages';
import { navigate } from '../router';

function input(id: string, type: string, autocomplete: string, extra: Record<string, string | number | boolean> = {}) {
  return h('input', { id, name: id, type, autocomplete, required: true, ...extra });
}

/** Only same-site paths: `?next=https://evil.example` must not become an open redirect. */
function nextPath(query: URLSearchParams, fallback = '/'): string {
  const next = query.get('next') ?? '';
  return next.startsWith('/') && !next.startsWith('//') ? next : fallback;
}

function authForm(
  title: string,
  fields: HTMLElement[],
  submitLabel: string,
  onSubmit: (problem: HTMLElement) => Promise<void>,
  footer: Node | null = null,
): HTMLElement {
  const problem = h('div');
  const submit = h('button', { type: 'submit', class: 'primary' }, submitLabel);
  const form = h(
    'form',
    {
      class: 'auth',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        submit.disabled = true;
        replace(problem);
        try {
          await onSubmit(problem);
        } catch (error) {
          replace(problem, errorBox(describeError(error)));
        }
        submit.disabled = false;
      },
    },
    fields,
    submit,
  );
  return h('section', { 'data-title': title }, h('h1', null, title), problem, form, footer);
}

async function loggedIn(session: AuthSession, next: string): Promise<void> {
  saveSession(session);
  const problems = await mergeGuestCart();
  flash(problems.length ? problems.join(' ') : `Welcome, ${session.user.name}.`, problems.length ? 'error' : 'info');
  navigate(next, { replace: true });
}

export function loginPage(_params: unknown, query: URLSearchParams): Node {
  const email = input('email', 'email', 'username', { maxlength: 254 });
  const password = input('password', 'password', 'current-password', { maxlength: 128 });
  return authForm(
    'Log in',
    [field('Email', email), field('Password', password)],
    'Log in',
    async () => {
      const session = await api<AuthSession>('/api/auth/login', {
        method: 'POST',
        body: { email: email.value, password: password.value },
      });
      await loggedIn(session, nextPath(query));
    },
    h(
      'p',
      null,
      h('a', { href: '/forgot-password', 'data-link': true }, 'Forgot your password?'),
      ' · ',
      h(
        'a',
        {
          href: `/register${query.get('next') ? `?next=${encodeURIComponent(nextPath(query))}` : ''}`,
          'data-link': true,
        },
        'Create an account',
      ),
    ),
  );
}

export function registerPage(_params: unknown, query: URLSearchParams): Node {
  const name = input('name', 'text', 'name', { maxlength: 100 });
  const email = input('email', 'email', 'email', { maxlength: 254 });
  const password = input('password', 'password', 'new-password', { minlength: 8, maxlength: 128 });
  return authForm(
    'Create an account',
    [field('Name', name), field('Email', email), field('Password (at least 8 characters)', password)],
    'Register',
    async () => {
      const session = await api<AuthSession>('/api/auth/register', {
        method: 'POST',
        body: { name: name.value, email: email.value, password: password.value },
      });
      await loggedIn(session, nextPath(query));
    },
    h('p', null, 'Already registered? ', h('a', { href: '/login', 'data-link': true }, 'Log in')),
  );
}

export function forgotPasswordPage(): Node {
  const email = input('email', 'email', 'email', { maxlength: 254 });
  return authForm('Forgot your password?', [field('Email', email)], 'Email me a reset link', async (problem) => {
    await api('/api/auth/forgot-password', { method: 'POST', body: { email: email.value } });
    replace(
      problem,
      h(
        'p',
        { class: 'flash info', role: 'status' },
        'If an account exists for that email, a reset link is on its way.',
      ),
    );
  });
}

export function resetPasswordPage(_params: unknown, query: URLSearchParams): Node {
  const token = query.get('token') ?? '';
  const password = input('password', 'password', 'new-password', { minlength: 8, maxlength: 128 });
  if (!token)
    return h(
      'section',
      { 'data-title': 'Reset password' },
      h('h1', null, 'Reset password'),
      errorBox('This link has no reset token. Request a new one.'),
    );
  return authForm('Choose a new password', [field('New password', password)], 'Set password', async () => {
    await api('/api/auth/reset-password', { method: 'POST', body: { token, password: password.value } });
    clearSession();
    flash('Your password was changed. Please log in.');
    navigate('/login', { replace: true });
  });
}

export async function logout(): Promise<void> {
  const refreshToken = currentSession()?.refreshToken;
  clearSession();
  if (refreshToken) {
    try {
      await api('/api/auth/logout', { method: 'POST', body: { refreshToken } });
    } catch {
      // Logged out locally either way; the refresh token expires on its own.
    }
  }
  flash('You are logged out.');
  navigate('/');
}
