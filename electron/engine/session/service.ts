// Job control shared by every long action: pause and resume (training), cancel (any job), and
// the state of every job for a client that reconnects (a remote engine).
import { z } from 'zod';
import type { JobsSnapshot } from '../../../shared/remote';
import { jobId, none } from '../../../shared/schemas';
import type { JobId } from '../../../shared/types';
import { method } from './define';

export const jobHandlers = {
  /** Holds a training job after its current batch; resume() continues it, cancel() ends it. */
  pause: method(z.tuple([jobId]), async (s, id: JobId): Promise<void> => s.jobs.pause(id)),
  resume: method(z.tuple([jobId]), async (s, id: JobId): Promise<void> => s.jobs.resume(id)),
  cancel: method(z.tuple([jobId]), async (s, id: JobId): Promise<void> => s.jobs.cancel(id)),
  /** Running jobs with their last progress, and the final events of recently ended ones. */
  jobs: method(none, async (s): Promise<JobsSnapshot> => s.jobs.ledger.snapshot()),
};
