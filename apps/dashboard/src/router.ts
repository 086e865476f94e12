import { useEffect, useState } from 'react';

export type Route = { view: 'jobs' } | { view: 'job'; job: string } | { view: 'run'; runId: string } | { view: 'not-found'; path: string };

/** Hash routes: `#/`, `#/jobs/<job>`, `#/runs/<runId>`. */
export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  if (path === '/' || path === '/jobs') return { view: 'jobs' };
  const job = /^\/jobs\/([^/]+)$/.exec(path);
  if (job) return { view: 'job', job: safeDecode(job[1] ?? '') };
  const run = /^\/runs\/([^/]+)$/.exec(path);
  if (run) return { view: 'run', runId: safeDecode(run[1] ?? '') };
  return { view: 'not-found', path };
}

export const href = {
  jobs: () => '#/',
  job: (job: string) => `#/jobs/${encodeURIComponent(job)}`,
  run: (runId: string) => `#/runs/${encodeURIComponent(runId)}`,
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
