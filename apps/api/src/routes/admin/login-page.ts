/** HTML of the Bull Board operator login form. Inline CSS only (the API's CSP allows no scripts). */
function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function renderBoardLoginPage(options: { action: string; error?: string; email?: string }): string {
  const error = options.error ? `<p class="error" role="alert" id="login-error">${escapeHtml(options.error)}</p>` : '';
  const describedBy = options.error ? ' aria-describedby="login-error"' : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Operator login · Simple Shop queues</title>
<link rel="icon" href="data:,">
<style>
  body { font-family: system-ui, sans-serif; max-width: 24rem; margin: 4rem auto; padding: 0 1rem; color: #1a1f36; }
  label { display: block; margin: 1rem 0 .25rem; font-weight: 600; }
  input { width: 100%; box-sizing: border-box; font-size: 1rem; padding: .5rem; border: 1px solid #8792a2; border-radius: 6px; }
  input:focus, button:focus { outline: 3px solid #635bff; outline-offset: 2px; }
  button { margin-top: 1.5rem; font-size: 1rem; padding: .6rem 1.2rem; border: 0; border-radius: 6px; background: #635bff; color: #fff; cursor: pointer; }
  .error { padding: .75rem 1rem; border-radius: 6px; background: #fde8e8; }
</style>
</head>
<body>
<main>
<h1>Simple Shop queues</h1>
<p>Operators (admin accounts) log in here to open Bull Board.</p>
${error}
<form method="post" action="${escapeHtml(options.action)}"${describedBy}>
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="username" required maxlength="254" value="${escapeHtml(options.email ?? '')}" autofocus>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="128">
  <button type="submit">Log in</button>
</form>
</main>
</body>
</html>
`;
}
