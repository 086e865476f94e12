import { useCallback, useEffect, useRef, useState } from 'react';

/** Auto-refresh period of every view. */
export const REFRESH_MS = 30_000;

export interface Resource<T> {
  readonly data: T | undefined;
  readonly error: Error | undefined;
  /** True while the first load (or a load after `key` changed) is in flight. */
  readonly loading: boolean;
  readonly refreshing: boolean;
  readonly updatedAt: Date | undefined;
  readonly refresh: () => void;
}

/**
 * Loads `load()` when `key` changes and every `refreshMs` after that. A failed refresh keeps
 * the last good data next to the error, so a blip does not blank the page.
 */
export function useResource<T>(key: string, load: () => Promise<T>, refreshMs: number = REFRESH_MS): Resource<T> {
  const [state, setState] = useState<{ key: string; data?: T; error?: Error; updatedAt?: Date; busy: boolean }>({ key, busy: true });
  const loadRef = useRef(load);
  loadRef.current = load;
  const generation = useRef(0);

  const run = useCallback(() => {
    const current = ++generation.current;
    setState((previous) => ({ ...previous, busy: true }));
    loadRef.current().then(
      (data) => {
        if (current === generation.current) setState({ key, data, error: undefined, updatedAt: new Date(), busy: false });
      },
      (error: unknown) => {
        if (current === generation.current) setState((previous) => ({ ...previous, key, error: error instanceof Error ? error : new Error(String(error)), busy: false }));
      },
    );
  }, [key]);

  useEffect(() => {
    setState({ key, busy: true });
    run();
    if (refreshMs <= 0) return undefined;
    const timer = setInterval(run, refreshMs);
    return () => {
      clearInterval(timer);
      generation.current++;
    };
  }, [key, run, refreshMs]);

  const fresh = state.key === key;
  return {
    data: fresh ? state.data : undefined,
    error: fresh ? state.error : undefined,
    loading: !fresh || (state.busy && state.data === undefined && state.error === undefined),
    refreshing: fresh && state.busy,
    updatedAt: fresh ? state.updatedAt : undefined,
    refresh: run,
  };
}
