// Entry of an execution thread (execution-threads.ts): a worker thread starts
// without the parent's TypeScript loader, so it registers tsx, then loads the
// thread's code.
import { register } from 'tsx/esm/api';

register();
await import('./execution-thread.ts');
