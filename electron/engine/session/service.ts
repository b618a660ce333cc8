// Job control shared by every long action: pause and resume (training), cancel (any job).
import { z } from 'zod';
import { jobId } from '../../../shared/schemas';
import type { JobId } from '../../../shared/types';
import { method } from './define';

export const jobHandlers = {
  /** Holds a training job after its current batch; resume() continues it, cancel() ends it. */
  pause: method(z.tuple([jobId]), async (s, id: JobId): Promise<void> => s.jobs.pause(id)),
  resume: method(z.tuple([jobId]), async (s, id: JobId): Promise<void> => s.jobs.resume(id)),
  cancel: method(z.tuple([jobId]), async (s, id: JobId): Promise<void> => s.jobs.cancel(id)),
};
