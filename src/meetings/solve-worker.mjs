// Entry of the optimizer thread: registers the TypeScript loader in the thread, then runs the worker.
import { register } from 'tsx/esm/api';

register();
await import('./solve-worker.ts');
