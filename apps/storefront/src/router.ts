/** History-API routing: `/products/:id` style paths, links marked `data-link`, back/forward. */
export type Params = Record<string, string>;
export type Render = (params: Params, query: URLSearchParams) => Promise<Node> | Node;

interface Route {
  pattern: RegExp;
  keys: string[];
  render: Render;
}

const routes: Route[] = [];
let notFound: Render = () => document.createTextNode('Not found');
let onRender: (node: Node, title: string) => void = () => undefined;

export function route(path: string, render: Render): void {
  const keys: string[] = [];
  const pattern = new RegExp(
    `^${path.replace(/:(\w+)/g, (_, key: string) => {
      keys.push(key);
      return '([^/]+)';
    })}/?$`,
  );
  routes.push({ pattern, keys, render });
}

export function setNotFound(render: Render): void {
  notFound = render;
}

export function onRendered(callback: (node: Node, title: string) => void): void {
  onRender = callback;
}

let generation = 0;

export async function renderCurrent(): Promise<void> {
  const mine = (generation += 1);
  const url = new URL(location.href);
  let node: Node | undefined;
  for (const r of routes) {
    const match = r.pattern.exec(url.pathname);
    if (!match) continue;
    const params: Params = {};
    r.keys.forEach((key, i) => (params[key] = decodeURIComponent(match[i + 1] ?? '')));
    node = await r.render(params, url.searchParams);
    break;
  }
  node ??= await notFound({}, url.searchParams);
  // A later navigation finished first: drop this stale page.
  if (mine !== generation) return;
  const title = node instanceof HTMLElement ? (node.dataset.title ?? '') : '';
  onRender(node, title);
}

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  void renderCurrent();
}

export function startRouter(): void {
  window.addEventListener('popstate', () => void renderCurrent());
  document.addEventListener('click', (event) => {
    const link = (event.target as Element | null)?.closest?.('a[data-link]');
    if (!(link instanceof HTMLAnchorElement)) return;
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    navigate(link.pathname + link.search);
  });
  void renderCurrent();
}
