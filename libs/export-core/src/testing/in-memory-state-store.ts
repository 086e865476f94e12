/**
 * A `StateStore` in memory, for unit tests of the job protocol that need no server. It keeps the
 * conditions of the DynamoDB adapter (libs/aws dynamodb-state-store.ts) write for write: a lease
 * is taken if free, expired or already ours; `beginCommit` needs the cursor to equal
 * `pending.from` and no other run pending; `finishCommit`/`abandonCommit` need the run pending.
 * Cursors are compared by their JSON text, as the adapter stores them.
 */
import type { Cursor, JobState, PendingCommit, StateStore } from '../ports.js';

interface Lease {
  readonly owner: string;
  readonly expiresAt: number;
}

export class InMemoryStateStore implements StateStore {
  private readonly leases = new Map<string, Lease>();
  private readonly states = new Map<string, { cursor: Cursor | null; pending: PendingCommit | null; lastRunId: string | null }>();

  /** @param now the clock leases expire by (tests move it). @default Date.now */
  constructor(private readonly now: () => number = Date.now) {}

  async acquireLease(job: string, owner: string, ttlMs: number): Promise<boolean> {
    const lease = this.leases.get(job);
    if (lease && lease.expiresAt >= this.now() && lease.owner !== owner) return false;
    this.leases.set(job, { owner, expiresAt: this.now() + ttlMs });
    return true;
  }

  async releaseLease(job: string, owner: string): Promise<void> {
    if (this.leases.get(job)?.owner === owner) this.leases.delete(job);
  }

  async leaseOwner(job: string): Promise<string | null> {
    const lease = this.leases.get(job);
    return lease && lease.expiresAt >= this.now() ? lease.owner : null;
  }

  async getState(job: string): Promise<JobState> {
    const state = this.state(job);
    return structuredClone({ cursor: state.cursor, pending: state.pending, lastRunId: state.lastRunId });
  }

  async beginCommit(job: string, pending: PendingCommit): Promise<boolean> {
    const state = this.state(job);
    if (state.pending && state.pending.runId !== pending.runId) return false;
    if (JSON.stringify(state.cursor) !== JSON.stringify(pending.from)) return false;
    state.pending = structuredClone(pending);
    return true;
  }

  async finishCommit(job: string, runId: string): Promise<boolean> {
    const state = this.state(job);
    if (state.pending?.runId !== runId) return false;
    state.cursor = state.pending.to;
    state.lastRunId = runId;
    state.pending = null;
    return true;
  }

  async abandonCommit(job: string, runId: string): Promise<void> {
    const state = this.state(job);
    if (state.pending?.runId === runId) state.pending = null;
  }

  async noteCommitted(job: string, runId: string): Promise<void> {
    this.state(job).lastRunId = runId;
  }

  /** Sets a job's state directly (a test's starting point: a crashed run's pending window, a moved cursor). */
  seed(job: string, state: Partial<JobState>): void {
    Object.assign(this.state(job), structuredClone(state));
  }

  private state(job: string) {
    let state = this.states.get(job);
    if (!state) this.states.set(job, (state = { cursor: null, pending: null, lastRunId: null }));
    return state;
  }
}
