/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time per function over a time window
 * (the scenario, not the start-up), frames of the bundled dist/ mapped back to the TypeScript
 * sources through the bundle's source map, and the share of idle, GC and "(program)" time.
 *
 * V8 stamps samples with its monotonic clock (CLOCK_MONOTONIC on Linux, in µs), the same clock
 * as `process.hrtime` in the bench process, so the bench's start/end stamps select the window.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, relative, resolve } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Frame {
  function: string;
  location: string;
  /** For native and anonymous frames: the JavaScript caller that spent most of this time. */
  via?: string;
  selfMs: number;
  /** Share of the non-idle samples in the window. */
  selfPct: number;
}

export interface ProfileSummary {
  file: string;
  windowMs: number;
  sampledMs: number;
  idlePct: number;
  gcPct: number;
  programPct: number;
  top: Frame[];
  /** Self time grouped by package (native frames count for their nearest JavaScript caller's package). */
  packages: { name: string; selfMs: number; selfPct: number }[];
  /** True when the window filter found no sample and the whole profile was used. */
  wholeProfile: boolean;
}

/** Monotonic microseconds, comparable to a .cpuprofile's timestamps. */
export const monotonicMicros = (): number => Number(process.hrtime.bigint() / 1000n);

const sourceMaps = new Map<string, SourceMap | null>();

function sourceMapFor(path: string): SourceMap | null {
  if (!sourceMaps.has(path)) {
    const mapFile = `${path}.map`;
    let map: SourceMap | null = null;
    if (existsSync(mapFile)) {
      try {
        map = new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
      } catch {
        map = null;
      }
    }
    sourceMaps.set(path, map);
  }
  return sourceMaps.get(path) ?? null;
}

function shortPath(path: string): string {
  const pnpm = /node_modules\/\.pnpm\/[^/]+\/node_modules\/(.+)$/.exec(path);
  if (pnpm) return pnpm[1]!;
  const nm = /node_modules\/(.+)$/.exec(path);
  if (nm) return nm[1]!;
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

/** `fastify`, `@fastify/helmet`, `apps/api`, `packages/db`, `node:internal`… from a location. */
function packageOf(location: string): string {
  if (location.startsWith('node:')) return 'node (built-in)';
  if (location === '(native)') return '(native)';
  const app = /^(?:\.\.\/)*(?:src\/)?(apps\/[^/]+|packages\/[^/]+)/.exec(location);
  if (app) return app[1]!;
  const scoped = /^(@[^/]+\/[^/]+)/.exec(location);
  if (scoped) return scoped[1]!;
  return location.split('/')[0]!.replace(/:\d+$/, '');
}

function locate(frame: CallFrame): string {
  const { url, lineNumber, columnNumber } = frame;
  if (!url) return '(native)';
  if (url.startsWith('node:')) return `${url}:${lineNumber + 1}`;
  let path = url;
  try {
    if (url.startsWith('file://')) path = fileURLToPath(url);
  } catch {
    // keep the URL
  }
  if (path.includes('/dist/')) {
    const entry = sourceMapFor(path)?.findEntry(lineNumber, columnNumber);
    if (entry && 'originalSource' in entry && entry.originalSource) {
      let source = entry.originalSource;
      try {
        source = source.startsWith('file://') ? fileURLToPath(source) : resolve(dirname(path), source);
      } catch {
        // keep it
      }
      return `${shortPath(source)}:${entry.originalLine + 1}`;
    }
  }
  return `${shortPath(path)}:${lineNumber + 1}`;
}

export function summariseProfile(file: string, window?: { fromUs: number; toUs: number }, topN = 10): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const select = (useWindow: boolean) => {
    const picked: { node: ProfileNode; us: number }[] = [];
    let t = profile.startTime;
    for (let i = 0; i < profile.samples.length; i += 1) {
      const delta = profile.timeDeltas[i] ?? 0;
      t += delta;
      if (useWindow && window && (t < window.fromUs || t > window.toUs)) continue;
      const node = byId.get(profile.samples[i]!);
      // A sample's weight is the interval to the next one (the last gets the previous interval).
      const next = profile.timeDeltas[i + 1] ?? delta;
      if (node) picked.push({ node, us: Math.max(0, next) });
    }
    return picked;
  };
  let samples = select(true);
  let wholeProfile = false;
  if (samples.length === 0) {
    samples = select(false);
    wholeProfile = true;
  }

  const parent = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node);
  const located = new Map<number, string>();
  const where = (node: ProfileNode) => {
    let loc = located.get(node.id);
    if (loc === undefined) located.set(node.id, (loc = locate(node.callFrame)));
    return loc;
  };
  /** The nearest named JavaScript ancestor outside Node's own modules (else the nearest named one). */
  const jsCaller = (node: ProfileNode): ProfileNode | undefined => {
    let first: ProfileNode | undefined;
    for (let p = parent.get(node.id); p; p = parent.get(p.id)) {
      const { url, functionName } = p.callFrame;
      if (!url || !functionName) continue;
      first ??= p;
      if (!url.startsWith('node:')) return p;
    }
    return first;
  };

  let idle = 0;
  let gc = 0;
  let program = 0;
  let all = 0;
  const self = new Map<string, { fn: string; location: string; us: number; via: Map<string, number> }>();
  const packages = new Map<string, number>();
  for (const { node, us } of samples) {
    all += us;
    const name = node.callFrame.functionName;
    if (name === '(idle)') {
      idle += us;
      continue;
    }
    if (name === '(garbage collector)') gc += us;
    if (name === '(program)') program += us;
    const fn = name || '(anonymous)';
    const location = where(node);
    const key = `${fn}@${location}`;
    const entry = self.get(key) ?? { fn, location, us: 0, via: new Map<string, number>() };
    entry.us += us;
    self.set(key, entry);
    let pkgNode: ProfileNode | undefined = node;
    if (!node.callFrame.url || !name || node.callFrame.url.startsWith('node:')) {
      const caller = name.startsWith('(') ? undefined : jsCaller(node);
      if (caller) {
        const via = `${caller.callFrame.functionName} (${where(caller)})`;
        entry.via.set(via, (entry.via.get(via) ?? 0) + us);
      }
      pkgNode = caller;
    }
    const pkg = pkgNode ? packageOf(where(pkgNode)) : fn;
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
  }
  const busy = all - idle;
  const top = [...self.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, topN)
    .map((e) => {
      const via = [...e.via].sort((a, b) => b[1] - a[1])[0];
      return {
        function: e.fn,
        location: e.location,
        ...(via ? { via: via[0] } : {}),
        selfMs: e.us / 1000,
        selfPct: busy > 0 ? (100 * e.us) / busy : 0,
      };
    });
  const pct = (us: number) => (all > 0 ? (100 * us) / all : 0);
  return {
    file: relative(process.cwd(), file),
    windowMs:
      window && !wholeProfile ? (window.toUs - window.fromUs) / 1000 : (profile.endTime - profile.startTime) / 1000,
    sampledMs: all / 1000,
    idlePct: pct(idle),
    gcPct: busy > 0 ? (100 * gc) / busy : 0,
    programPct: busy > 0 ? (100 * program) / busy : 0,
    top,
    packages: [...packages]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([name, us]) => ({ name, selfMs: us / 1000, selfPct: busy > 0 ? (100 * us) / busy : 0 })),
    wholeProfile,
  };
}
