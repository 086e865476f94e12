import { useEffect, useRef, useSyncExternalStore } from 'react';
import { localSession, type Session } from './auth/session.js';
import { Empty } from './components/common.js';
import { SessionBanner, SignInNeeded } from './components/SessionBanner.js';
import { href, useRoute } from './router.js';
import { JobHistory } from './views/JobHistory.js';
import { JobsOverview } from './views/JobsOverview.js';
import { RunDetail } from './views/RunDetail.js';

const LOCAL = localSession();

export function App({ session = LOCAL, stage }: { session?: Session; stage?: string | undefined }) {
  const route = useRoute();
  const state = useSyncExternalStore(session.subscribe, session.state);
  const usable = state.status === 'local' || state.status === 'signed-in';
  const main = useRef<HTMLElement>(null);
  // Move focus to the new page on navigation, so keyboard and screen reader users land on it.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [route]);

  return (
    <>
      <a className="skip" href="#main" onClick={(event) => (event.preventDefault(), main.current?.focus())}>
        Skip to content
      </a>
      <header className="top">
        <a href={href.jobs()} className="brand">
          RDS → S3 exports
        </a>
        <SessionBanner session={session} state={state} stage={stage} />
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {usable ? <Page route={route} /> : <SignInNeeded session={session} state={state} />}
      </main>
    </>
  );
}

function Page({ route }: { route: ReturnType<typeof useRoute> }) {
  return (
    <>
      {route.view === 'jobs' ? <JobsOverview /> : null}
      {route.view === 'job' ? <JobHistory key={route.job} job={route.job} /> : null}
      {route.view === 'run' ? <RunDetail key={route.runId} runId={route.runId} /> : null}
      {route.view === 'not-found' ? (
        <Empty>
          Nothing at {route.path}. <a href={href.jobs()}>Back to the jobs</a>.
        </Empty>
      ) : null}
    </>
  );
}
