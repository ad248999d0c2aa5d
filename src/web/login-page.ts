/** Text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · firedrill</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:28rem;padding:2rem 1rem;color:#1b1b1b}
label,input,button{display:block;width:100%;box-sizing:border-box}input,button{font:inherit;padding:.5rem;margin:.25rem 0 1rem}
.problem{color:#a00;font-weight:600}</style></head>
<body><main><h1>${escapeHtml(title)}</h1>
${body}
</main></body></html>
`;
}

/** The login form: works without JavaScript; `next` is where to go once signed in (a same-origin path). */
export function loginPage(next: string, problem?: string): string {
  return page(
    'Sign in to firedrill',
    `${problem ? `<p class="problem" role="alert">${escapeHtml(problem)}</p>\n` : ''}<form method="post" action="/login">
<input type="hidden" name="next" value="${escapeHtml(next)}">
<label for="token">Access token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button>
</form>
<p>The token is the one configured in <code>server.pages.auth.token</code>; ask whoever runs firedrill.</p>`,
  );
}

/** A refusal people read in a browser: what is wrong and what to do. */
export function refusalPage(title: string, lines: readonly string[]): string {
  return page(title, lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n'));
}
